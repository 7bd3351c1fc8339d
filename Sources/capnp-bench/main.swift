// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

print("not yet")
