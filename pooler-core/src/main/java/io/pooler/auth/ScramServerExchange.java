package io.pooler.auth;

import static io.pooler.auth.ScramMessageReader.malformed;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ServerFirstMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), behaving as PostgreSQL's
 * auth-scram.c does: the user name inside client-first is ignored (the startup packet's user counts),
 * the gs2 flags {@code n} and {@code y} are accepted, {@code p} (channel binding) is refused because we
 * do not advertise SCRAM-SHA-256-PLUS yet, and authzid or mandatory extensions are refused.
 *
 * <p>Written by hand on top of ongres' {@link ScramFunctions} because the ongres library has no server
 * side. Its message classes are not used to read the client's messages either: they rebuild a message
 * from parsed fields, while the AuthMessage must be computed over exactly the text the client sent
 * (an ignored extension or a differently escaped user name would otherwise change the signature).
 *
 * <p>Flow: {@link #handleClientFirst} returns server-first-message, {@link #handleClientFinal} returns
 * server-final-message or throws. Any exception ends the exchange. Unknown users get a {@link #mock}
 * exchange: same messages, same work, and a failure only at the final step, so a client cannot tell
 * an unknown user from a wrong password.
 *
 * <p>Not thread-safe: one instance belongs to one client connection and is driven from its event loop.
 * When channel binding arrives, a {@code y} flag over TLS must then be refused as a downgrade, as
 * PostgreSQL does.
 */
public final class ScramServerExchange {

    /** PostgreSQL's SCRAM_RAW_NONCE_LEN: 18 random bytes, 24 base64 characters. */
    static final int SERVER_NONCE_BYTES = 18;
    /** PostgreSQL's SCRAM_DEFAULT_SALT_LEN. */
    static final int SALT_BYTES = 16;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Supplier<String> RANDOM_NONCE = () -> {
        byte[] raw = new byte[SERVER_NONCE_BYTES];
        RANDOM.nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    };

    private enum State { AWAIT_CLIENT_FIRST, AWAIT_CLIENT_FINAL, SUCCEEDED, FAILED }

    private final ScramSecret secret;
    /** True for mock exchanges: the proof is checked anyway, then refused whatever it is. */
    private final boolean doomed;
    private final Supplier<String> serverNonceSupplier;

    private State state = State.AWAIT_CLIENT_FIRST;
    private String gs2Header;
    private String clientFirstBare;
    private String nonce;
    private String serverFirst;
    private byte[] clientKey;

    private ScramServerExchange(ScramSecret secret, boolean doomed, Supplier<String> serverNonceSupplier) {
        this.secret = secret;
        this.doomed = doomed;
        this.serverNonceSupplier = serverNonceSupplier;
    }

    /** An exchange against a stored verifier (userlist or auth query). */
    public static ScramServerExchange forSecret(ScramSecret secret) {
        return forSecret(secret, RANDOM_NONCE);
    }

    /** Test seam: a fixed server nonce reproduces the RFC 7677 example. */
    static ScramServerExchange forSecret(ScramSecret secret, Supplier<String> serverNonceSupplier) {
        return new ScramServerExchange(secret, false, serverNonceSupplier);
    }

    /**
     * An exchange for a user whose userlist entry is a plain password: a verifier is computed on the
     * spot with a fresh random salt, as PgBouncer does (one PBKDF2 run per login). An empty password,
     * or one that SASLprep reduces to nothing, gives an exchange that looks normal and always fails.
     */
    public static ScramServerExchange forPlainPassword(String password, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iteration count must be at least 1, got " + iterations);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        try {
            return new ScramServerExchange(ScramSecret.fromPassword(password, salt, iterations), false, RANDOM_NONCE);
        } catch (IllegalArgumentException noUsablePassword) {
            return new ScramServerExchange(unusableSecret(salt, iterations), true, RANDOM_NONCE);
        }
    }

    /**
     * An exchange that always fails at the final step, for an unknown user or a user whose secret
     * cannot do SCRAM (an MD5 hash). Like PostgreSQL's scram_mock_salt, the salt is derived from the
     * user name and a per-process secret, so asking twice for the same unknown user shows the same
     * salt, as a real user's verifier would.
     */
    public static ScramServerExchange mock(String username, byte[] processSecret, int iterations) {
        if (processSecret.length == 0) {
            throw new IllegalArgumentException("the mock secret must not be empty");
        }
        byte[] digest = ScramFunctions.hmac(
                ScramSecret.MECHANISM, processSecret, username.getBytes(StandardCharsets.UTF_8));
        byte[] salt = Arrays.copyOf(digest, SALT_BYTES);
        return new ScramServerExchange(unusableSecret(salt, iterations), true, RANDOM_NONCE);
    }

    /** Reads client-first-message and returns server-first-message. */
    public String handleClientFirst(String clientFirstMessage) throws ScramException {
        expectState(State.AWAIT_CLIENT_FIRST);
        state = State.FAILED;
        rejectNul(clientFirstMessage);
        ScramMessageReader in = new ScramMessageReader(clientFirstMessage);
        readGs2Header(in);
        gs2Header = clientFirstMessage.substring(0, in.position());
        clientFirstBare = in.rest();
        if (in.peek() == 'm') {
            throw new ScramException(ScramException.Kind.UNSUPPORTED, "client requires an unsupported SCRAM extension");
        }
        in.readAttribute('n'); // ignored, as in PostgreSQL: the startup packet's user name is the one that counts
        String clientNonce = in.readAttribute('r');
        if (clientNonce.isEmpty() || !isPrintable(clientNonce)) {
            throw malformed("the client nonce must be printable ASCII without commas");
        }
        StringBuilder ignored = new StringBuilder();
        while (!in.atEnd()) {
            in.readAnyAttribute(ignored); // optional extensions, none supported
        }
        String serverNonce = serverNonceSupplier.get();
        nonce = clientNonce + serverNonce;
        serverFirst = new ServerFirstMessage(clientNonce, serverNonce, secret.saltBase64(), secret.iterations())
                .toString();
        state = State.AWAIT_CLIENT_FINAL;
        return serverFirst;
    }

    /**
     * Reads client-final-message, checks the proof and returns server-final-message ({@code v=...}).
     *
     * @throws ScramException {@link ScramException.Kind#AUTH_FAILED} when the proof is wrong (always, for a
     *     mock exchange); {@link ScramException.Kind#MALFORMED} when the message is broken, its
     *     channel-binding attribute does not repeat the gs2 header, or its nonce is not ours
     */
    public String handleClientFinal(String clientFinalMessage) throws ScramException {
        expectState(State.AWAIT_CLIENT_FINAL);
        state = State.FAILED;
        rejectNul(clientFinalMessage);
        ScramMessageReader in = new ScramMessageReader(clientFinalMessage);
        String channelBinding = in.readAttribute('c');
        // Without channel binding, c= is the base64 of the gs2 header: "biws" for "n,,", "eSws" for "y,,".
        String expectedBinding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.US_ASCII));
        if (!channelBinding.equals(expectedBinding)) {
            throw malformed("unexpected channel-binding attribute in client-final-message");
        }
        String finalNonce = in.readAttribute('r');
        int proofStart;
        StringBuilder value = new StringBuilder();
        do {
            proofStart = in.position();
            if (in.atEnd()) {
                throw malformed("client-final-message has no proof");
            }
        } while (in.readAnyAttribute(value) != 'p');
        if (!in.atEnd()) {
            throw malformed("garbage at the end of client-final-message");
        }
        byte[] proof = decodeProof(value.toString());
        if (!finalNonce.equals(nonce)) {
            throw malformed("the nonce in client-final-message does not match");
        }
        // proofStart is just past the comma before "p=": drop that comma too.
        String clientFinalWithoutProof = clientFinalMessage.substring(0, proofStart - 1);
        String authMessage = clientFirstBare + "," + serverFirst + "," + clientFinalWithoutProof;

        // The same work for real and mock exchanges: recover ClientKey and hash it, then decide.
        byte[] clientSignature = ScramFunctions.clientSignature(
                ScramSecret.MECHANISM, secret.storedKeyUnsafe(), authMessage);
        byte[] recoveredClientKey = xor(proof, clientSignature);
        boolean proofOk = MessageDigest.isEqual(
                ScramFunctions.storedKey(ScramSecret.MECHANISM, recoveredClientKey), secret.storedKeyUnsafe());
        if (!proofOk || doomed) {
            throw new ScramException(ScramException.Kind.AUTH_FAILED, "SCRAM authentication failed: wrong proof");
        }
        clientKey = recoveredClientKey;
        state = State.SUCCEEDED;
        byte[] serverSignature = ScramFunctions.serverSignature(
                ScramSecret.MECHANISM, secret.serverKeyUnsafe(), authMessage);
        return "v=" + Base64.getEncoder().encodeToString(serverSignature);
    }

    /**
     * After a successful exchange, the client's ClientKey (ClientProof XOR ClientSignature). With the
     * verifier's ServerKey it logs in to PostgreSQL without the password, provided PostgreSQL holds the
     * same verifier (same salt and iteration count). Empty before success and for failed exchanges.
     */
    public Optional<byte[]> clientKey() {
        return state == State.SUCCEEDED ? Optional.of(clientKey.clone()) : Optional.empty();
    }

    /** The verifier this exchange checks against; for pass-through, its ServerKey goes with {@link #clientKey()}. */
    public ScramSecret secret() {
        return secret;
    }

    private void expectState(State expected) {
        if (state != expected) {
            throw new IllegalStateException("SCRAM exchange is " + state + ", not " + expected);
        }
    }

    /**
     * gs2-header: a channel-binding flag, a comma, an empty authzid, a comma. PostgreSQL's rules: 'n' and
     * 'y' go on without channel binding, 'p' needs -PLUS which we do not offer, authzid is refused.
     */
    private static void readGs2Header(ScramMessageReader in) throws ScramException {
        switch (in.peek()) {
            case 'n', 'y' -> in.expect(in.peek(), "channel-binding flag");
            case 'p' -> throw new ScramException(ScramException.Kind.UNSUPPORTED,
                    "client requires SCRAM channel binding (SCRAM-SHA-256-PLUS), which this server does not offer");
            default -> throw malformed("unexpected channel-binding flag");
        }
        in.expect(',', "',' after the channel-binding flag");
        if (in.peek() == 'a') {
            throw new ScramException(ScramException.Kind.UNSUPPORTED,
                    "client uses an authorization identity (authzid), which is not supported");
        }
        in.expect(',', "',' ending the gs2 header");
    }

    private static byte[] decodeProof(String base64) throws ScramException {
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw malformed("the proof is not valid base64");
        }
        if (proof.length != ScramSecret.KEY_LENGTH) {
            throw malformed("the proof is not " + ScramSecret.KEY_LENGTH + " bytes");
        }
        return proof;
    }

    private static void rejectNul(String message) throws ScramException {
        if (message.indexOf('\0') >= 0) {
            throw malformed("NUL character in message");
        }
    }

    /** RFC 5802's "printable": %x21-2B / %x2D-7E, printable ASCII except the comma. */
    private static boolean isPrintable(String s) {
        return s.chars().allMatch(c -> c >= 0x21 && c <= 0x7e && c != ',');
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    /** Keys no proof can match: ClientKey would have to hash to all zeros. */
    private static ScramSecret unusableSecret(byte[] salt, int iterations) {
        return new ScramSecret(iterations, salt, new byte[ScramSecret.KEY_LENGTH], new byte[ScramSecret.KEY_LENGTH]);
    }
}
