package io.pooler.server.fuzz;

import io.pooler.server.it.Wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Hostile answers to the pooler's authentication request, for each method it asks for: SCRAM (bad
 * nonces, bad base64, missing fields, channel-binding flags, wrong proofs, wrong lengths), md5 and
 * cleartext (wrong, empty, unterminated, huge), or another message where a password belongs. None of
 * them carries the right password, so none may log in.
 */
final class LoginAbuse {
    /**
     * What to send after the first authentication request; for SCRAM, {@code afterServerFirst} (when not
     * null) builds the client-final message from the server-first message the pooler sent.
     */
    record Plan(byte[] first, Function<String, byte[]> afterServerFirst) {
    }

    private static final String MECHANISM = "SCRAM-SHA-256";

    private LoginAbuse() {
    }

    /** {@code authCode} is the pooler's request: 3 cleartext, 5 md5, 10 SASL. */
    static Plan plan(Mutator m, int authCode, String unauthenticatedQuery) {
        SplittableRandom r = m.random();
        if (r.nextInt(8) == 0) {
            return new Plan(notAPassword(m, unauthenticatedQuery), null);
        }
        return authCode == 10 ? scram(m) : password(m, authCode == 5);
    }

    private static byte[] notAPassword(Mutator m, String query) {
        return switch (m.random().nextInt(5)) {
            case 0 -> {
                m.note("a Query where a password belongs");
                yield Wire.query(query);
            }
            case 1 -> {
                m.note("Terminate where a password belongs");
                yield Wire.terminate();
            }
            case 2 -> {
                m.note("Sync where a password belongs");
                yield Wire.sync();
            }
            case 3 -> {
                m.note("a Parse where a password belongs");
                yield Wire.parse("", query);
            }
            default -> {
                m.note("a password message of length 4");
                yield Wire.typed('p', new byte[0]);
            }
        };
    }

    private static Plan password(Mutator m, boolean md5) {
        SplittableRandom r = m.random();
        String kind = md5 ? "md5" : "cleartext";
        byte[] message = switch (r.nextInt(8)) {
            case 0 -> {
                m.note(kind + ": a wrong password");
                yield Wire.password(md5 ? "md5" + "0123456789abcdef0123456789abcdef" : "wrong");
            }
            case 1 -> {
                m.note(kind + ": an empty password");
                yield Wire.password("");
            }
            case 2 -> {
                m.note(kind + ": no NUL terminator");
                yield Wire.typed('p', "wrong".getBytes(StandardCharsets.US_ASCII));
            }
            case 3 -> {
                m.note(kind + ": a NUL inside the password");
                yield Wire.typed('p', "wr\0ong\0".getBytes(StandardCharsets.US_ASCII));
            }
            case 4 -> {
                int n = 7000 + r.nextInt(2000);
                m.note(kind + ": a " + n + "-byte password");
                yield Wire.password("x".repeat(n));
            }
            case 5 -> {
                m.note(kind + ": random bytes");
                yield Wire.typed('p', m.randomBytes(r.nextInt(64)));
            }
            case 6 -> {
                m.note(kind + ": a SASLInitialResponse instead");
                yield Wire.saslInitialResponse(MECHANISM, "n,,n=,r=abc".getBytes(StandardCharsets.US_ASCII));
            }
            default -> {
                byte[] p = Wire.password("wrong");
                int length = m.pickLength(p);
                ByteBuffer.wrap(p).putInt(1, length);
                m.note(kind + ": password length set to 0x" + Integer.toHexString(length));
                yield p;
            }
        };
        return new Plan(message, null);
    }

    private static Plan scram(Mutator m) {
        SplittableRandom r = m.random();
        String nonce = base64(m.randomBytes(18));
        String goodFirst = "n,,n=,r=" + nonce;
        if (r.nextInt(5) < 2) {
            m.note("SCRAM: a valid client-first");
            return new Plan(Wire.saslInitialResponse(MECHANISM, ascii(goodFirst)), serverFirst -> clientFinal(m, serverFirst, nonce));
        }
        byte[] first = switch (r.nextInt(16)) {
            case 0 -> {
                m.note("SCRAM: p=tls-server-end-point without TLS, a partial message behind (issue 9's trigger)");
                yield Wire.concat(Wire.saslInitialResponse(MECHANISM, ascii("p=tls-server-end-point,,n=,r=abcdefghijklmnop")),
                        Wire.hex("70 00 00 00 10 61 62"));
            }
            case 1 -> data(m, "y,,n=,r=" + nonce, "gs2 flag y");
            case 2 -> data(m, "x,,n=,r=" + nonce, "gs2 flag x");
            case 3 -> data(m, "n,a=admin,n=,r=" + nonce, "an authzid");
            case 4 -> data(m, "n,,r=" + nonce, "no n=");
            case 5 -> data(m, "n,,n=,", "no r=");
            case 6 -> data(m, "n,,n=,r=", "an empty nonce");
            case 7 -> data(m, "n,,n=,r=ab\u0001cd,x", "a nonce with a control character");
            case 8 -> data(m, "n,,n=,r=" + "N".repeat(7900), "a 7900-byte nonce");
            case 9 -> data(m, "n,,m=ext,n=,r=" + nonce, "a mandatory extension");
            case 10 -> data(m, "", "empty data");
            case 11 -> {
                String mechanism = new String[] {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1", "", "scram-sha-256", "PLAIN"}[r.nextInt(5)];
                m.note("SCRAM: mechanism '" + mechanism + "'");
                yield Wire.saslInitialResponse(mechanism, ascii(goodFirst));
            }
            case 12 -> {
                m.note("SCRAM: no data (length -1)");
                yield Wire.saslInitialResponse(MECHANISM, null);
            }
            case 13 -> {
                byte[] msg = Wire.saslInitialResponse(MECHANISM, ascii(goodFirst));
                int lengthAt = 5 + MECHANISM.length() + 1;
                int length = new int[] {-2, 0x7FFFFFFF, goodFirst.length() + 1, goodFirst.length() - 1, 0x80000000}[r.nextInt(5)];
                ByteBuffer.wrap(msg).putInt(lengthAt, length);
                m.note("SCRAM: data length field " + length + " for " + goodFirst.length() + " bytes");
                yield msg;
            }
            case 14 -> {
                m.note("SCRAM: mechanism without its NUL");
                yield Wire.typed('p', ascii(MECHANISM));
            }
            default -> {
                m.note("SCRAM: random bytes as client-first");
                yield Wire.saslInitialResponse(MECHANISM, m.randomBytes(r.nextInt(80)));
            }
        };
        // A client-first that is accepted after all goes on to a wrong client-final.
        return new Plan(first, serverFirst -> clientFinal(m, serverFirst, nonce));
    }

    private static byte[] data(Mutator m, String data, String what) {
        m.note("SCRAM client-first: " + what);
        return Wire.saslInitialResponse(MECHANISM, ascii(data));
    }

    /** A client-final that must not log in: the proof is never right. */
    private static byte[] clientFinal(Mutator m, String serverFirst, String clientNonce) {
        SplittableRandom r = m.random();
        String serverNonce = attribute(serverFirst, 'r', clientNonce + "x");
        String proof = base64(m.randomBytes(32));
        String text = switch (r.nextInt(12)) {
            case 0 -> "c=biws,r=" + serverNonce + ",p=" + proof;
            case 1 -> "c=biws,r=" + clientNonce + ",p=" + proof;
            case 2 -> "c=biws,r=" + serverNonce + "tampered,p=" + proof;
            case 3 -> "c=" + base64(ascii("p=tls-server-end-point,,")) + ",r=" + serverNonce + ",p=" + proof;
            case 4 -> "c=eSws,r=" + serverNonce + ",p=" + proof;
            case 5 -> "c=biws,r=" + serverNonce;
            case 6 -> "c=biws,r=" + serverNonce + ",p=!!!not*base64";
            case 7 -> "c=biws,r=" + serverNonce + ",p=" + base64(m.randomBytes(5));
            case 8 -> "c=biws,r=" + serverNonce + ",x=1,p=" + proof;
            case 9 -> "";
            case 10 -> "c=!!,r=" + serverNonce + ",p=" + proof;
            default -> new String(m.randomBytes(40), StandardCharsets.ISO_8859_1);
        };
        m.note("SCRAM client-final: " + (text.length() > 60 ? text.substring(0, 60) + "..." : text));
        if (r.nextInt(10) == 0) {
            m.note("SCRAM: a second SASLInitialResponse instead of client-final");
            return Wire.saslInitialResponse(MECHANISM, ascii("n,,n=,r=" + clientNonce));
        }
        return Wire.saslResponse(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String attribute(String message, char name, String fallback) {
        for (String part : message.split(",")) {
            if (part.length() > 2 && part.charAt(0) == name && part.charAt(1) == '=') {
                return part.substring(2);
            }
        }
        return fallback;
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
