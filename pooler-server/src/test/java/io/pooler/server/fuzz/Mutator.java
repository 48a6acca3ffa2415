package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns well-formed messages into hostile ones, reproducibly from one random source, and says what it
 * did (so a failing case can be read, not just replayed). Works on typed messages (type, length, body),
 * either direction; {@link StartupAbuse} handles the untyped startup phase.
 */
final class Mutator {
    /** Lengths that break naive arithmetic: below the header, zero body, overflow of length + 1, sign bit. */
    static final int[] EXTREME_LENGTHS = {0, 1, 3, 4, 5, 8, 8193, 65536, 0x3FFFFFFF, 0x40000000, 0x40000001,
            0x7FFFFFFE, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFC};
    /** Type bytes no frontend or backend message uses, and a few that are wrong in most places. */
    static final byte[] ODD_TYPES = {'A', 'a', 'z', '!', '~', 0, (byte) 0xFF, (byte) 0x80, 'Y', 'b', 'j', 'w'};

    private final SplittableRandom random;
    private final List<String> applied = new ArrayList<>();

    Mutator(SplittableRandom random) {
        this.random = random;
    }

    /** What was done so far, in order. */
    List<String> applied() {
        return applied;
    }

    void note(String what) {
        applied.add(what);
    }

    /** {@code rounds} structural mutations of a list of typed messages; the list is copied. */
    List<byte[]> mutateTyped(List<byte[]> original, int rounds, List<byte[]> palette) {
        List<byte[]> messages = new ArrayList<>();
        original.forEach(m -> messages.add(m.clone()));
        for (int r = 0; r < rounds; r++) {
            if (messages.isEmpty()) {
                messages.add(palette.get(random.nextInt(palette.size())).clone());
                note("insert into empty");
                continue;
            }
            int i = random.nextInt(messages.size());
            byte[] m = messages.get(i);
            switch (random.nextInt(13)) {
                case 0, 1 -> {
                    int length = pickLength(m);
                    ByteBuffer.wrap(m).putInt(1, length);
                    note("length of message " + i + " '" + printable(m[0]) + "' set to " + Integer.toUnsignedString(length)
                            + " (0x" + Integer.toHexString(length) + ")");
                }
                case 2 -> {
                    byte type = ODD_TYPES[random.nextInt(ODD_TYPES.length)];
                    note("type of message " + i + " '" + printable(m[0]) + "' changed to '" + printable(type) + "'");
                    m[0] = type;
                }
                case 3, 4 -> {
                    if (m.length > 5) {
                        int flips = 1 + random.nextInt(3);
                        for (int f = 0; f < flips; f++) {
                            int at = 5 + random.nextInt(m.length - 5);
                            m[at] = (byte) random.nextInt(256);
                        }
                        note(flips + " body byte(s) of message " + i + " '" + printable(m[0]) + "' replaced");
                    }
                }
                case 5 -> {
                    messages.set(i, new byte[] {m[0], 0, 0, 0, 4});
                    note("body of message " + i + " '" + printable(m[0]) + "' removed (length 4)");
                }
                case 6 -> {
                    if (m.length > 6) {
                        int keep = 5 + random.nextInt(m.length - 5);
                        byte[] shorter = java.util.Arrays.copyOf(m, keep);
                        ByteBuffer.wrap(shorter).putInt(1, keep - 1);
                        messages.set(i, shorter);
                        note("body of message " + i + " '" + printable(m[0]) + "' cut to " + (keep - 5) + " bytes, length fixed");
                    }
                }
                case 7 -> {
                    messages.add(i, m.clone());
                    note("message " + i + " '" + printable(m[0]) + "' sent twice");
                }
                case 8 -> {
                    messages.remove(i);
                    note("message " + i + " '" + printable(m[0]) + "' dropped");
                }
                case 9 -> {
                    int j = random.nextInt(messages.size());
                    messages.set(i, messages.get(j));
                    messages.set(j, m);
                    note("messages " + i + " and " + j + " swapped");
                }
                case 10, 11 -> {
                    byte[] inserted = palette.get(random.nextInt(palette.size())).clone();
                    messages.add(i, inserted);
                    note("inserted '" + printable(inserted[0]) + "' (" + inserted.length + " bytes) at " + i);
                }
                default -> {
                    byte[] unknown = Wire.typed((char) (ODD_TYPES[random.nextInt(ODD_TYPES.length)] & 0xFF),
                            randomBytes(random.nextInt(16)));
                    messages.add(i + 1, unknown);
                    note("unknown message '" + printable(unknown[0]) + "' after message " + i + " '" + printable(m[0]) + "'");
                }
            }
        }
        return messages;
    }

    /** Byte-level damage to a whole stream: a cut, or random bytes put in, or both. */
    byte[] damageStream(byte[] stream) {
        byte[] out = stream;
        if (random.nextInt(4) == 0 && out.length > 1) {
            int cut = 1 + random.nextInt(out.length - 1);
            out = java.util.Arrays.copyOf(out, cut);
            note("stream cut at byte " + cut + " of " + stream.length);
        }
        if (random.nextInt(6) == 0) {
            int at = random.nextInt(out.length + 1);
            byte[] junk = randomBytes(1 + random.nextInt(48));
            byte[] longer = new byte[out.length + junk.length];
            System.arraycopy(out, 0, longer, 0, at);
            System.arraycopy(junk, 0, longer, at, junk.length);
            System.arraycopy(out, at, longer, at + junk.length, out.length - at);
            out = longer;
            note(junk.length + " random bytes put in at byte " + at);
        }
        return out;
    }

    int pickLength(byte[] message) {
        int actual = message.length - 1;
        return switch (random.nextInt(4)) {
            case 0 -> actual + 1 + random.nextInt(64);
            case 1 -> Math.max(0, actual - 1 - random.nextInt(Math.max(1, actual)));
            default -> EXTREME_LENGTHS[random.nextInt(EXTREME_LENGTHS.length)];
        };
    }

    byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    SplittableRandom random() {
        return random;
    }

    static byte[] join(List<byte[]> messages) {
        return Wire.concat(messages.toArray(byte[][]::new));
    }

    static String printable(byte b) {
        return b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xFF);
    }

    /**
     * Frontend messages that are wrong in most places, for inserting: empty and malformed extended-query
     * messages (issue 9 item 5), a Query with an unknown message behind it (item 3), copy messages outside
     * COPY, a password after login, FunctionCall, a huge declared length, and the DISCARD ALL the pooler
     * answers itself, well formed and without its NUL.
     */
    static List<byte[]> frontendPalette(String marker) {
        List<byte[]> p = new ArrayList<>();
        p.add(Wire.sync());
        p.add(Wire.flush());
        p.add(Wire.terminate());
        p.add(Wire.query("select 1"));
        p.add(Wire.query(""));
        p.add(Wire.query("select '" + marker + "'"));
        p.add(Wire.concat(Wire.query("select 2"), Wire.typed('A', new byte[] {1, 2, 3})));
        for (char t : new char[] {'P', 'B', 'D', 'C', 'E', 'F', 'd', 'c', 'f', 'p', 'H', 'S', 'Q'}) {
            p.add(Wire.typed(t, new byte[0]));
        }
        p.add(Wire.parse("s1", "select $1::int"));
        p.add(Wire.parse("", "select 1; select 2"));
        p.add(Wire.bind("", "s1", "1"));
        p.add(Wire.bind("", "no_such_statement"));
        p.add(Wire.bind("p1", "s1", "1", "2", "3"));
        p.add(Wire.typed('B', Wire.concat(Wire.cstring(""), Wire.cstring("s1"), Wire.hex("0000 ffff"))));
        p.add(Wire.typed('B', Wire.concat(Wire.cstring(""), Wire.cstring(""), Wire.hex("0000 0001 fffffffe"))));
        p.add(Wire.typed('P', Wire.concat(Wire.cstring("s2"), Wire.cstring("select 1"), Wire.hex("ffff"))));
        p.add(Wire.describe('S', "s1"));
        p.add(Wire.describe('X', "s1"));
        p.add(Wire.describe('P', ""));
        p.add(Wire.close('S', "s1"));
        p.add(Wire.close('Z', ""));
        p.add(Wire.execute("", -1));
        p.add(Wire.execute("no_such_portal", 1));
        p.add(Wire.typed('d', "1\tone\n".getBytes(StandardCharsets.US_ASCII)));
        p.add(Wire.typed('f', Wire.cstring("fuzz")));
        p.add(Wire.typed('F', Wire.hex("00000001 0000 0000 0000")));
        p.add(Wire.password("not after login"));
        p.add(Wire.concat(Wire.hex("51 7fffffff"), "select".getBytes(StandardCharsets.US_ASCII)));
        p.add(Wire.concat(Wire.hex("50 40000000"), Wire.cstring("big")));
        p.add(Wire.query("DISCARD ALL")); // answered by the pooler between transactions
        p.add(Wire.concat(Wire.hex("51 0000000f"), "DISCARD ALL".getBytes(StandardCharsets.US_ASCII))); // no NUL
        return p;
    }
}
