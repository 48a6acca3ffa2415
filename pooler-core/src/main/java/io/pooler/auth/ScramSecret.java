package io.pooler.auth;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ScramMechanism;
import com.ongres.scram.common.StringPreparation;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A SCRAM-SHA-256 verifier as PostgreSQL stores it in {@code pg_authid.rolpassword}:
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}, all three byte strings in base64.
 *
 * <p>The arrays are copied in and out, so an instance cannot be changed after it is built.
 */
public record ScramSecret(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) implements Secret {

    static final String PREFIX = "SCRAM-SHA-256$";
    static final ScramMechanism MECHANISM = ScramMechanism.SCRAM_SHA_256;
    /** SHA-256 output length, the length of StoredKey, ServerKey, proofs and signatures. */
    static final int KEY_LENGTH = 32;

    public ScramSecret {
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iteration count must be at least 1, got " + iterations);
        }
        Objects.requireNonNull(salt, "salt");
        if (salt.length == 0) {
            throw new IllegalArgumentException("SCRAM salt must not be empty");
        }
        Objects.requireNonNull(storedKey, "storedKey");
        Objects.requireNonNull(serverKey, "serverKey");
        if (storedKey.length != KEY_LENGTH || serverKey.length != KEY_LENGTH) {
            throw new IllegalArgumentException("SCRAM-SHA-256 StoredKey and ServerKey are " + KEY_LENGTH + " bytes");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /**
     * Parses a verifier in PostgreSQL's format.
     *
     * @throws IllegalArgumentException naming what is wrong (never echoing the verifier itself)
     */
    public static ScramSecret parse(String verifier) throws IllegalArgumentException {
        if (!verifier.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a SCRAM verifier starts with " + PREFIX);
        }
        String[] halves = verifier.substring(PREFIX.length()).split("\\$", -1);
        if (halves.length != 2) {
            throw new IllegalArgumentException("a SCRAM verifier is " + PREFIX + "<iterations>:<salt>$<StoredKey>:<ServerKey>");
        }
        String[] iterationsAndSalt = splitPair(halves[0], "<iterations>:<salt>");
        String[] keys = splitPair(halves[1], "<StoredKey>:<ServerKey>");
        return new ScramSecret(parseIterations(iterationsAndSalt[0]),
                decode(iterationsAndSalt[1], "salt"), decode(keys[0], "StoredKey"), decode(keys[1], "ServerKey"));
    }

    /**
     * Computes the verifier PostgreSQL would store for this password, salt and iteration count.
     *
     * <p>The password is normalized with SASLprep; when SASLprep refuses it (prohibited or unassigned
     * characters, bidirectional rules), the raw password is used instead, as PostgreSQL does
     * (ongres' {@code POSTGRESQL_PREPARATION} implements exactly that rule).
     *
     * @throws IllegalArgumentException when the password is empty or normalizes to nothing (PostgreSQL
     *     treats such a password as no password), or when the iteration count is below 1
     */
    public static ScramSecret fromPassword(String password, byte[] salt, int iterations) {
        byte[] saltedPassword = saltedPassword(password, salt, iterations);
        byte[] clientKey = ScramFunctions.clientKey(MECHANISM, saltedPassword);
        return new ScramSecret(iterations, salt,
                ScramFunctions.storedKey(MECHANISM, clientKey), ScramFunctions.serverKey(MECHANISM, saltedPassword));
    }

    /** Formats the verifier exactly as PostgreSQL does, so {@code parse(s).format()} gives back {@code s}. */
    public String format() {
        Base64.Encoder b64 = Base64.getEncoder();
        return PREFIX + iterations + ":" + b64.encodeToString(salt)
                + "$" + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    /** The salt as it appears in a server-first-message. */
    String saltBase64() {
        return Base64.getEncoder().encodeToString(salt);
    }

    /** Read-only access for this package, without the defensive copy. */
    byte[] storedKeyUnsafe() {
        return storedKey;
    }

    byte[] serverKeyUnsafe() {
        return serverKey;
    }

    static byte[] saltedPassword(String password, byte[] salt, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iteration count must be at least 1, got " + iterations);
        }
        if (salt.length == 0) {
            throw new IllegalArgumentException("SCRAM salt must not be empty");
        }
        requireUsablePassword(password);
        return ScramFunctions.saltedPassword(
                MECHANISM, StringPreparation.POSTGRESQL_PREPARATION, password.toCharArray(), salt, iterations);
    }

    /**
     * Refuses a password that is empty or that SASLprep maps to nothing (such as a lone U+00AD):
     * PostgreSQL clears a role's password in that case, so no login may succeed with it.
     */
    static void requireUsablePassword(String password) {
        if (password.isEmpty()) {
            throw new IllegalArgumentException("an empty password cannot be used with SCRAM");
        }
        try {
            StringPreparation.POSTGRESQL_PREPARATION.normalize(password.toCharArray());
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // NOTE: ongres stringprep 2.2 throws ArrayIndexOutOfBoundsException, not its documented
            // IllegalArgumentException, when the mapping step leaves nothing.
            throw new IllegalArgumentException("the password is empty after SASLprep normalization", e);
        }
    }

    private static String[] splitPair(String field, String shape) {
        int colon = field.indexOf(':');
        if (colon < 0 || field.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("SCRAM verifier field is not " + shape);
        }
        return new String[] {field.substring(0, colon), field.substring(colon + 1)};
    }

    private static int parseIterations(String text) {
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("SCRAM iteration count is not a number");
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SCRAM iteration count is too large", e);
        }
    }

    private static byte[] decode(String base64, String what) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SCRAM " + what + " is not valid base64", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramSecret other
                && iterations == other.iterations
                && Arrays.equals(salt, other.salt)
                && Arrays.equals(storedKey, other.storedKey)
                && Arrays.equals(serverKey, other.serverKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(iterations, Arrays.hashCode(salt), Arrays.hashCode(storedKey), Arrays.hashCode(serverKey));
    }

    /** Shows the public parts only: the keys let whoever holds them impersonate the server. */
    @Override
    public String toString() {
        return "ScramSecret[iterations=" + iterations + ", salt=" + saltBase64() + ", keys=***]";
    }
}
