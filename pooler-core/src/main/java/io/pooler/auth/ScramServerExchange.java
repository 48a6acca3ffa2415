package io.pooler.auth;

import static io.pooler.auth.ScramMessageReader.malformed;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ServerFirstMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), behaving as PostgreSQL's
 * auth-scram.c does: the user name inside client-first is ignored (the startup packet's user counts),
 * authzid and mandatory extensions are refused, and the gs2 channel-binding flag must agree with the
 * {@link ScramChannelBinding}: {@code p=tls-server-end-point} exactly when the client chose
 * SCRAM-SHA-256-PLUS (its binding data is then checked in client-final), {@code n} or {@code y} otherwise,
 * and {@code y} ("I could bind but you cannot") is refused over TLS, where -PLUS was offered: that is a
 * downgrade attack.
 *
 * <p>Written by hand on top of ongres' {@link ScramFunctions} because the ongres library has no server
 * side; its hashes are {@link Sha256}'s (see there why). Its message classes are not used to read
 * the client's messages either: they rebuild a message from parsed fields, while the AuthMessage must
 * be computed over exactly the text the client sent (an ignored extension or a differently escaped
 * user name would otherwise change the signature).
 *
 * <p>Flow: {@link #handleClientFirst} returns server-first-message, {@link #handleClientFinal} returns
 * server-final-message or throws. Any exception ends the exchange. Unknown users get a {@link #mock}
 * exchange: same messages, same work, and a failure only at the final step, so a client cannot tell
 * an unknown user from a wrong password.
 *
 * <p>Not thread-safe: one instance belongs to one client connection and is driven from its event loop.
 */
public final class ScramServerExchange {

    /** PostgreSQL's SCRAM_RAW_NONCE_LEN: 18 random bytes, 24 base64 characters. */
    static final int SERVER_NONCE_BYTES = 18;
    /** PostgreSQL's SCRAM_DEFAULT_SALT_LEN. */
    static final int SALT_BYTES = 16;

    private static final Supplier<String> RANDOM_NONCE = () -> {
        byte[] raw = new byte[SERVER_NONCE_BYTES];
        LoginRandom.current().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    };

    private enum State { AWAIT_CLIENT_FIRST, AWAIT_CLIENT_FINAL, SUCCEEDED, FAILED }

    private final ScramSecret secret;
    /** True for mock exchanges: the proof is checked anyway, then refused whatever it is. */
    private final boolean doomed;
    private final Supplier<String> serverNonceSupplier;

    private State state = State.AWAIT_CLIENT_FIRST;
    private String gs2Header;
    /** The binding data client-final must carry after the gs2 header; empty without channel binding. */
    private byte[] bindingData = new byte[0];
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
     * An exchange for a user whose secret is a plain-text password. It must look and cost exactly like
     * the {@link #mock} of the same name: the salt is the name's {@link #userSalt}, so it is the same on
     * every attempt (and the same salt the mock showed before the user was added), and the verifier
     * comes from {@link PlainScramVerifiers}, derived ahead of logins rather than by PBKDF2 on each one
     * (see there why). An empty password, or one that SASLprep reduces to nothing, gives an exchange
     * that looks normal and always fails.
     */
    public static ScramServerExchange forPlainPassword(String password, String username, byte[] processSecret,
                                                       int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iteration count must be at least 1, got " + iterations);
        }
        byte[] salt = userSalt(username, processSecret);
        Optional<ScramSecret> verifier = PlainScramVerifiers.shared().verifier(password, salt, iterations);
        return verifier.isPresent()
                ? new ScramServerExchange(verifier.get(), false, RANDOM_NONCE)
                : new ScramServerExchange(unusableSecret(salt, iterations), true, RANDOM_NONCE);
    }

    /**
     * An exchange that always fails at the final step, for an unknown user or a user whose secret
     * cannot do SCRAM (an MD5 hash). Like PostgreSQL's scram_mock_salt, the salt is derived from the
     * user name and a per-process secret, so asking twice for the same unknown user shows the same
     * salt, as a real user's verifier would.
     */
    public static ScramServerExchange mock(String username, byte[] processSecret, int iterations) {
        return new ScramServerExchange(unusableSecret(userSalt(username, processSecret), iterations), true, RANDOM_NONCE);
    }

    /**
     * The salt shown to {@code username} when no stored verifier brings its own: the first
     * {@value #SALT_BYTES} bytes of HMAC-SHA-256(process secret, name), as PostgreSQL's scram_mock_salt
     * hashes the name with a per-cluster nonce. Stable for the life of the process, unguessable outside it.
     */
    public static byte[] userSalt(String username, byte[] processSecret) {
        if (processSecret.length == 0) {
            throw new IllegalArgumentException("the process secret must not be empty");
        }
        byte[] digest = Sha256.hmac(processSecret, username.getBytes(StandardCharsets.UTF_8));
        return Arrays.copyOf(digest, SALT_BYTES);
    }

    /** Reads client-first-message and returns server-first-message; not over TLS (no channel binding). */
    public String handleClientFirst(String clientFirstMessage) throws ScramException {
        return handleClientFirst(clientFirstMessage, ScramChannelBinding.none());
    }

    /** Reads client-first-message under {@code binding} and returns server-first-message. */
    public String handleClientFirst(String clientFirstMessage, ScramChannelBinding binding) throws ScramException {
        expectState(State.AWAIT_CLIENT_FIRST);
        state = State.FAILED;
        rejectNul(clientFirstMessage);
        ScramMessageReader in = new ScramMessageReader(clientFirstMessage);
        if (readGs2Header(in, binding)) {
            bindingData = binding.data();
        }
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
     *     channel-binding attribute does not repeat the gs2 header and binding data, or its nonce is not ours
     */
    public String handleClientFinal(String clientFinalMessage) throws ScramException {
        expectState(State.AWAIT_CLIENT_FINAL);
        state = State.FAILED;
        rejectNul(clientFinalMessage);
        ScramMessageReader in = new ScramMessageReader(clientFinalMessage);
        String channelBinding = in.readAttribute('c');
        // c= is the base64 of the gs2 header followed by the binding data: "biws" for "n,,", "eSws" for
        // "y,,"; with "p=tls-server-end-point,," the server certificate's hash follows the header.
        byte[] header = gs2Header.getBytes(StandardCharsets.US_ASCII);
        byte[] expected = Arrays.copyOf(header, header.length + bindingData.length);
        System.arraycopy(bindingData, 0, expected, header.length, bindingData.length);
        byte[] received;
        try {
            received = Base64.getDecoder().decode(channelBinding);
        } catch (IllegalArgumentException e) {
            throw malformed("the channel-binding attribute is not valid base64");
        }
        if (!MessageDigest.isEqual(expected, received)) {
            // With binding data, a mismatch means the client saw another server certificate: a man in the middle.
            throw bindingData.length > 0
                    ? new ScramException(ScramException.Kind.MALFORMED, "SCRAM channel binding check failed")
                    : malformed("unexpected channel-binding attribute in client-final-message");
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
        byte[] authMessageBytes = authMessage.getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = Sha256.hmac(secret.storedKeyUnsafe(), authMessageBytes);
        byte[] recoveredClientKey = xor(proof, clientSignature);
        boolean proofOk = MessageDigest.isEqual(
                Sha256.hash(recoveredClientKey), secret.storedKeyUnsafe());
        if (!proofOk || doomed) {
            throw new ScramException(ScramException.Kind.AUTH_FAILED, "SCRAM authentication failed: wrong proof");
        }
        clientKey = recoveredClientKey;
        state = State.SUCCEEDED;
        byte[] serverSignature = Sha256.hmac(secret.serverKeyUnsafe(), authMessageBytes);
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
     * gs2-header: a channel-binding flag, a comma, an empty authzid, a comma. PostgreSQL's rules: the flag
     * must be {@code p} exactly when the client chose SCRAM-SHA-256-PLUS, {@code y} is a downgrade when -PLUS
     * was offered, and authzid is refused. Returns true when channel binding is in use.
     */
    private static boolean readGs2Header(ScramMessageReader in, ScramChannelBinding binding) throws ScramException {
        boolean binds = false;
        switch (in.peek()) {
            case 'n' -> {
                requireNotSelected(binding);
                in.expect('n', "channel-binding flag");
                in.expect(',', "',' after the channel-binding flag");
            }
            case 'y' -> {
                requireNotSelected(binding);
                if (binding.offered()) {
                    throw new ScramException(ScramException.Kind.MALFORMED, "SCRAM channel binding negotiation error:"
                            + " the client supports channel binding and thinks the server does not, but it does");
                }
                in.expect('y', "channel-binding flag");
                in.expect(',', "',' after the channel-binding flag");
            }
            case 'p' -> {
                if (!binding.selected()) {
                    throw malformed("the client selected SCRAM-SHA-256 without channel binding,"
                            + " but the SCRAM message includes channel binding data");
                }
                String type = in.readAttribute('p'); // consumes the comma after the type
                if (!type.equals(ScramChannelBinding.TLS_SERVER_END_POINT)) {
                    throw new ScramException(ScramException.Kind.UNSUPPORTED,
                            "unsupported SCRAM channel-binding type \"" + sanitize(type) + "\"");
                }
                binds = true;
            }
            default -> throw malformed("unexpected channel-binding flag");
        }
        if (in.peek() == 'a') {
            throw new ScramException(ScramException.Kind.UNSUPPORTED,
                    "client uses an authorization identity (authzid), which is not supported");
        }
        in.expect(',', "',' ending the gs2 header");
        return binds;
    }

    private static void requireNotSelected(ScramChannelBinding binding) throws ScramException {
        if (binding.selected()) {
            throw malformed("the client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include"
                    + " channel binding data");
        }
    }

    /** At most 64 printable ASCII characters of a client-chosen name, for an error message. */
    private static String sanitize(String text) {
        StringBuilder out = new StringBuilder();
        text.chars().limit(64).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return out.toString();
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
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ',') {
                return false;
            }
        }
        return true;
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
