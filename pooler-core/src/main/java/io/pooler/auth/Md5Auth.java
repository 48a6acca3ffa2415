package io.pooler.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * PostgreSQL's MD5 password scheme: the stored hash is {@code md5(password + user)}, and the client
 * answers a 4-byte salt with {@code md5(hex(stored hash) + salt)}, both prefixed with {@code "md5"}.
 */
public final class Md5Auth {

    private static final int SALT_LENGTH = 4;

    private Md5Auth() {
    }

    /** The stored form of a password: {@code "md5" + hex(md5(password + user))}, as CREATE ROLE makes it. */
    public static String encode(String user, String password) {
        return "md5" + md5Hex(concat(utf8(password), utf8(user)));
    }

    /** The answer to an MD5 challenge: what a client sends us, and what we send to PostgreSQL. */
    public static String challengeResponse(Md5Secret stored, byte[] salt4) {
        checkSalt(salt4);
        return "md5" + md5Hex(concat(stored.digestHex().getBytes(StandardCharsets.US_ASCII), salt4));
    }

    /**
     * Checks a client's answer to our MD5 challenge against a plain or MD5 secret, in constant time.
     * A SCRAM verifier cannot answer an MD5 challenge, so it always gives false, as does an empty
     * plain password (PgBouncer refuses empty passwords).
     */
    public static boolean verify(Secret stored, String user, byte[] salt4, String clientResponse) {
        checkSalt(salt4);
        Md5Secret md5;
        if (stored instanceof PlainSecret plain) {
            if (plain.password().isEmpty()) {
                return false;
            }
            md5 = new Md5Secret(encode(user, plain.password()));
        } else if (stored instanceof Md5Secret hash) {
            md5 = hash;
        } else {
            return false;
        }
        return MessageDigest.isEqual(utf8(challengeResponse(md5, salt4)), utf8(clientResponse));
    }

    private static void checkSalt(byte[] salt4) {
        if (salt4.length != SALT_LENGTH) {
            throw new IllegalArgumentException("the MD5 salt is 4 bytes, got " + salt4.length);
        }
    }

    private static String md5Hex(byte[] input) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(input));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has MD5", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
