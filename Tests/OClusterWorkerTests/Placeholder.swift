// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Placeholder so the target builds while its code is written.
