// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@Test func placeholder() { #expect(1 + 1 == 2) }
