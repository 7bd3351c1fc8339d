// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Placeholder until the command is written.
print("ocluster-admin: not yet built")
