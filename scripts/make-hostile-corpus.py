#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
"""Writes the hostile-input corpus for Tests/CapnProtoTests (HostileInputTests) and the fuzzer.

Each case is a small file in Tests/CapnProtoTests/Fixtures/hostile/ plus a line in manifest.txt:

    <file> <operation> <expected CapnProtoError code> <description...>

Operations (see HostileInputTests.swift):
    frame        Framing.decode only
    packed       Packing.decode only
    root         Framing.decode, then the root struct
    walk         Framing.decode, then every pointer reachable from the root
    text0 data0 struct0 cap0
                 the root struct's pointer 0 read as text, data, struct or capability
    list0-<e>    the root struct's pointer 0 read as a list expecting void, bit, byte,
                 pointer or structs
    copy         deep-copy the root into a new message, which must read back identical
                 (expected code "ok")

Run from anywhere: python3 scripts/make-hostile-corpus.py
"""

import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Tests", "CapnProtoTests", "Fixtures", "hostile")

VOID, BIT, BYTE, TWO, FOUR, EIGHT, POINTER, COMPOSITE = range(8)
MAX_COUNT = (1 << 29) - 1


def sp(offset, data_words, pointers):
    """A struct pointer."""
    return ((offset << 2) & 0xFFFFFFFF) | (data_words << 32) | (pointers << 48)


def lp(offset, size, count):
    """A list pointer (count is the word count for composite lists)."""
    return ((offset << 2) & 0xFFFFFFFF) | 1 | (size << 32) | (count << 35)


def fp(segment, pad, double=False):
    """A far pointer."""
    return 2 | (4 if double else 0) | (pad << 3) | (segment << 32)


def cap(index):
    """A capability pointer."""
    return 3 | (index << 32)


def text_words(data):
    """Bytes padded to whole words, as words."""
    data = data + b"\0" * (-len(data) % 8)
    return list(struct.unpack("<%dQ" % (len(data) // 8), data))


def frame(*segments):
    """Standard framing of segments given as lists of words."""
    table = struct.pack("<I", len(segments) - 1)
    table += b"".join(struct.pack("<I", len(s)) for s in segments)
    table += b"\0" * (-len(table) % 8)
    return table + b"".join(struct.pack("<%dQ" % len(s), *s) for s in segments)


def table(*sizes):
    """A segment table alone (the segments it announces do not follow)."""
    out = struct.pack("<I", (len(sizes) - 1) & 0xFFFFFFFF)
    out += b"".join(struct.pack("<I", s) for s in sizes)
    return out + b"\0" * (-len(out) % 8)


def holder(*words):
    """A root struct with one pointer (at word 1) followed by `words`."""
    return frame([sp(0, 0, 1)] + list(words))


CASES = []


def case(name, operation, code, description, data):
    CASES.append((name, operation, code, description, data))


# Bounds.
case("struct_oob_positive", "root", "pointerOutOfBounds", "root struct 100 words past the segment end",
     frame([sp(100, 1, 0), 0]))
case("struct_oob_negative", "root", "pointerOutOfBounds", "root struct 5 words before the segment start",
     frame([sp(-5, 1, 0), 0]))
case("struct_oob_straddle", "root", "pointerOutOfBounds", "root struct starts inside, ends outside the segment",
     frame([sp(0, 1, 1), 0]))
case("list_oob_positive", "data0", "pointerOutOfBounds", "byte list 10 words past the segment end",
     holder(lp(10, BYTE, 16)))
case("list_oob_negative", "data0", "pointerOutOfBounds", "byte list before the segment start",
     holder(lp(-10, BYTE, 8)))
case("list_too_long", "list0-void", "pointerOutOfBounds", "five 8-byte elements in a one-word remainder",
     holder(lp(0, EIGHT, 5), 0))
case("list_max_count_words", "list0-void", "pointerOutOfBounds", "2^29-1 eight-byte elements",
     holder(lp(0, EIGHT, MAX_COUNT), 0))
case("composite_oob", "list0-structs", "pointerOutOfBounds", "composite list of 100 words in a 2-word remainder",
     holder(lp(0, COMPOSITE, 100), sp(1, 1, 0), 0))
case("composite_tag_overrun", "list0-structs", "invalidList", "tag claims 5 one-word elements in 2 words",
     holder(lp(0, COMPOSITE, 2), sp(5, 1, 0), 0, 0))
case("composite_tag_negative", "list0-structs", "invalidList", "tag claims -1 elements",
     holder(lp(0, COMPOSITE, 1), sp(-1, 1, 0), 0))
case("composite_tag_not_struct", "list0-structs", "invalidList", "composite tag is a list pointer",
     holder(lp(0, COMPOSITE, 1), lp(1, BYTE, 1), 0))

# Loops and amplification.
case("struct_self_loop", "walk", "nestingLimitExceeded", "a struct whose only pointer points at itself",
     frame([sp(0, 0, 1), sp(-1, 0, 1)]))
case("list_self_loop", "walk", "nestingLimitExceeded", "a pointer list whose element points at the list",
     holder(lp(0, POINTER, 1), lp(-1, POINTER, 1)))
case("deep_nesting", "walk", "nestingLimitExceeded", "a chain of 100 nested structs",
     frame([sp(0, 0, 1)] + [sp(0, 0, 1)] * 99 + [0]))
case("void_list_amplification", "list0-void", "traversalLimitExceeded", "List(Void) of 2^29-1 elements in 0 words",
     holder(lp(0, VOID, MAX_COUNT)))
case("empty_struct_list_amplification", "list0-structs", "traversalLimitExceeded",
     "composite list of 2^29-1 zero-sized structs", holder(lp(0, COMPOSITE, 0), sp(MAX_COUNT, 0, 0)))

# 64-pointer structs five levels deep, every pointer of a level at the same next-level struct:
# 64^5 struct visits from 320 words.
dag = [sp(0, 0, 64)]
for level in range(5):
    start = 1 + 64 * level
    nxt = start + 64
    for i in range(64):
        dag.append(sp(nxt - (start + i) - 1, 0, 64) if level < 4 else 0)
case("dag_amplification", "walk", "traversalLimitExceeded", "64 pointers to the same struct, 5 levels deep",
     frame(dag))

# Framing.
case("empty_input", "frame", "truncatedFrame", "zero bytes", b"")
case("huge_segment_count", "frame", "tooManySegments", "segment count 0xFFFFFFFF + 1",
     struct.pack("<II", 0xFFFFFFFF, 0))
case("segment_count_512", "frame", "tooManySegments", "512 segments (C++ accepts at most 511)",
     table(*([0] * 512)))
case("segments_sum_too_large", "frame", "segmentTooLarge", "two 5 Mi-word segments exceed the 8 Mi-word limit",
     table(5 << 20, 5 << 20))
case("segment_too_large", "frame", "segmentTooLarge", "one segment of 2^32-1 words", table(0xFFFFFFFF))
case("truncated_segment", "frame", "truncatedFrame", "table announces 4 words, 2 follow",
     table(4) + struct.pack("<2Q", sp(0, 1, 0), 0))
case("truncated_table", "frame", "truncatedFrame", "3-segment table cut after 6 bytes",
     struct.pack("<II", 2, 1)[:6])

# Far pointers.
case("far_missing_segment", "root", "invalidFarPointer", "far pointer to segment 5 of 1", frame([fp(5, 0)]))
case("far_pad_oob", "root", "invalidFarPointer", "landing pad at word 10 of a 2-word segment",
     frame([fp(1, 10)], [0, 0]))
case("far_pad_is_far", "root", "invalidFarPointer", "single landing pad holds another far pointer",
     frame([fp(1, 0)], [fp(1, 0)]))
case("far_pad_target_oob", "root", "pointerOutOfBounds", "landing pad's struct lies outside its segment",
     frame([fp(1, 0)], [sp(100, 1, 0)]))
case("double_far_pad_oob", "root", "invalidFarPointer", "two-word landing pad in a one-word segment",
     frame([fp(1, 0, True)], [fp(2, 0)], [0]))
case("double_far_pad_not_far", "root", "invalidFarPointer", "double-far pad starts with a struct pointer",
     frame([fp(1, 0, True)], [sp(0, 1, 0), sp(0, 1, 0)], [0]))
case("double_far_pad_is_double", "root", "invalidFarPointer", "double-far pad starts with a double-far pointer",
     frame([fp(1, 0, True)], [fp(2, 0, True), sp(0, 1, 0)], [0]))
case("double_far_tag_is_far", "root", "invalidFarPointer", "double-far tag word is a far pointer",
     frame([fp(1, 0, True)], [fp(2, 0), fp(2, 0)], [0]))
case("double_far_missing_segment", "root", "invalidFarPointer", "double-far pad names segment 9 of 3",
     frame([fp(1, 0, True)], [fp(9, 0), sp(0, 1, 0)], [0]))
case("double_far_content_oob", "root", "pointerOutOfBounds", "double-far content past its segment's end",
     frame([fp(1, 0, True)], [fp(2, 100), sp(0, 1, 0)], [0]))
case("far_in_list_missing_segment", "walk", "invalidFarPointer", "pointer-list element is a far pointer to nowhere",
     holder(lp(0, POINTER, 2), 0, fp(7, 0)))

# Blobs and pointer kinds.
case("text_without_nul", "text0", "invalidText", "3-byte text 'abc' without a NUL",
     holder(lp(0, BYTE, 3), *text_words(b"abc\xff\xff\xff\xff\xff")))
case("text_zero_length", "text0", "invalidText", "text of zero bytes (no room for the NUL)",
     holder(lp(0, BYTE, 0)))
case("text_word_list", "text0", "invalidText", "text pointing at a list of 8-byte words",
     holder(lp(0, EIGHT, 1), 0))
case("text_is_struct", "text0", "unexpectedPointerType", "text pointing at a struct", holder(sp(0, 1, 0), 0))
case("data_is_struct", "data0", "unexpectedPointerType", "data pointing at a struct", holder(sp(0, 1, 0), 0))
case("data_is_bit_list", "data0", "invalidList", "data pointing at a bit list", holder(lp(0, BIT, 8), 0))
case("data_is_pointer_list", "data0", "invalidList", "data pointing at a pointer list",
     holder(lp(0, POINTER, 1), 0))
case("capability_as_struct", "struct0", "unexpectedPointerType", "capability where a struct is expected",
     holder(cap(0)))
case("capability_as_list", "list0-void", "unexpectedPointerType", "capability where a list is expected",
     holder(cap(3)))
case("other_pointer_as_struct", "struct0", "unexpectedPointerType", "reserved 'other' pointer kind",
     holder(0x0000000100000007))
case("struct_as_capability", "cap0", "unexpectedPointerType", "struct where a capability is expected",
     holder(sp(0, 1, 0), 0))
case("struct_as_list", "list0-void", "unexpectedPointerType", "struct where a list is expected",
     holder(sp(0, 1, 0), 0))
case("bit_list_as_structs", "list0-structs", "invalidList", "bit list where structs are expected",
     holder(lp(0, BIT, 3), 0))
case("byte_list_as_bits", "list0-bit", "invalidList", "byte list where bits are expected",
     holder(lp(0, BYTE, 3), 0))
case("void_list_as_pointers", "list0-pointer", "invalidList", "List(Void) where pointers are expected",
     holder(lp(0, VOID, 3)))
case("composite_without_pointers_as_pointers", "list0-pointer", "invalidList",
     "data-only struct list where pointers are expected", holder(lp(0, COMPOSITE, 1), sp(1, 1, 0), 0))

# Valid input the fuzzer found mishandled: operation "copy" deep-copies the message into a new
# one and expects the copy to read back identical (code "ok": nothing may throw).
case("empty_struct_copy", "copy", "ok", "a zero-sized struct right behind its pointer must not copy as null",
     frame([sp(0, 0, 1), sp(-1, 0, 0)]))

# Packing.
case("packed_truncated_word", "packed", "invalidPacking", "tag announces 2 bytes, 1 follows", bytes([0x03, 0x01]))
case("packed_missing_zero_count", "packed", "invalidPacking", "zero tag without its run count", bytes([0x00]))
case("packed_truncated_run", "packed", "invalidPacking", "0xFF run of 2 words, 1 follows",
     bytes([0xFF]) + bytes(range(1, 9)) + bytes([2]) + bytes(range(1, 9)))
case("packed_truncated_frame", "packed", "truncatedFrame", "valid packing of an incomplete frame",
     bytes([0x10, 0x04, 0x00, 0x00]))


def main():
    os.makedirs(OUT, exist_ok=True)
    for entry in os.listdir(OUT):
        if entry.endswith(".bin"):
            os.remove(os.path.join(OUT, entry))
    lines = []
    for name, operation, code, description, data in CASES:
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)
        lines.append("%s.bin %s %s %s" % (name, operation, code, description))
    with open(os.path.join(OUT, "manifest.txt"), "w") as f:
        f.write("# SPDX-License-Identifier: Apache-2.0\n# Copyright the swift-ocluster authors.\n")
        f.write("# Generated by scripts/make-hostile-corpus.py: <file> <operation> <code> <description>\n")
        f.write("\n".join(lines) + "\n")
    print("wrote %d cases to %s" % (len(CASES), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
