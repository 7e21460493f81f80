package org.jllm.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A merge table stored and read back: the same table, and no table from a file that does not match or is damaged. */
class BpeMergesFileTest {
    private static final String[] TOKENS = {"a", "b", "ab", "b", "abab", "c"};
    private static final long KEY = 0x0123456789abcdefL;

    /** Merges with a result that is not a token ("ba"), so the stored table has an extra symbol. */
    private static BpeMerges table() {
        return new BpeMerges(TOKENS, MergeList.ofPairs(List.of(new String[] {"a", "b"},
                new String[] {"ab", "ab"}, new String[] {"b", "a"}, new String[] {"ba", "ab"},
                new String[] {"ab", "c"})));
    }

    @Test
    void aStoredTableReadsBackTheSame(@TempDir Path dir) throws IOException {
        BpeMerges built = table();
        Path file = dir.resolve("t.jllm-bpe");
        BpeMergesFile.write(file, KEY, built);
        BpeMerges read = BpeMergesFile.read(file, KEY, TOKENS);
        assertNotNull(read);
        assertArrayEquals(built.symbolSlots(), read.symbolSlots());
        assertArrayEquals(built.pairKeys(), read.pairKeys());
        assertArrayEquals(built.pairRanks(), read.pairRanks());
        assertArrayEquals(built.results(), read.results());
        assertArrayEquals(new String[] {"ba", "baab", "abc"}, read.extraTexts());
        int ba = read.symbol("ba");
        assertEquals(6, ba);
        assertEquals("ba", read.extraText(ba));
        assertEquals(3, read.rank(ba, 2));
        for (String text : new String[] {"a", "b", "ab", "abab", "abc", "x"}) {
            assertEquals(built.symbol(text), read.symbol(text), text);
        }
        int[] sym = {0, 3, 0, 3};
        int[] len = {1, 1, 1, 1};
        assertEquals(1, read.merge(sym, len, 4));
        assertEquals(4, sym[0], "ab + ab = abab");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left");
        }
    }

    @Test
    void aTableForOtherInputsOrDamagedIsNotRead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("t.jllm-bpe");
        assertNull(BpeMergesFile.read(file, KEY, TOKENS), "no file");
        BpeMergesFile.write(file, KEY, table());
        byte[] good = Files.readAllBytes(file);
        assertNull(BpeMergesFile.read(file, KEY + 1, TOKENS), "another key");
        assertNull(BpeMergesFile.read(file, KEY, new String[] {"a", "b"}), "another vocabulary size");

        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 1;
        Files.write(file, flipped);
        assertNull(BpeMergesFile.read(file, KEY, TOKENS), "a flipped bit: the CRC does not match");

        Files.write(file, java.util.Arrays.copyOf(good, good.length - 9));
        assertNull(BpeMergesFile.read(file, KEY, TOKENS), "truncated");

        // A merge result id beyond the symbols, with a CRC that matches: the ids are checked too.
        byte[] hostile = good.clone();
        ByteBuffer b = ByteBuffer.wrap(hostile).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(hostile.length - 8, 1000);
        CRC32C crc = new CRC32C();
        crc.update(hostile, 0, hostile.length - 4);
        b.putInt(hostile.length - 4, (int) crc.getValue());
        Files.write(file, hostile);
        assertNull(BpeMergesFile.read(file, KEY, TOKENS), "an id out of range");

        // A table another build stored (its fingerprint after the magic), with a CRC that matches: built again.
        byte[] otherBuild = good.clone();
        ByteBuffer o = ByteBuffer.wrap(otherBuild).order(ByteOrder.LITTLE_ENDIAN);
        o.putInt(8, o.getInt(8) + 1);
        CRC32C crc2 = new CRC32C();
        crc2.update(otherBuild, 0, otherBuild.length - 4);
        o.putInt(otherBuild.length - 4, (int) crc2.getValue());
        Files.write(file, otherBuild);
        assertNull(BpeMergesFile.read(file, KEY, TOKENS), "another build's table");

        Files.write(file, good);
        assertNotNull(BpeMergesFile.read(file, KEY, TOKENS), "the original bytes again");
    }
}
