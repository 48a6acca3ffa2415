package io.pooler.auth;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.ServerFirstMessage;
import com.ongres.scram.common.StringPreparation;
import com.ongres.scram.common.exception.ScramInvalidServerSignatureException;
import com.ongres.scram.common.exception.ScramParseException;
import com.ongres.scram.common.exception.ScramServerErrorException;
import java.util.List;

/**
 * The client side of one SCRAM-SHA-256 login to PostgreSQL: a thin wrapper over ongres'
 * {@link ScramClient}, translating its exceptions into {@link ScramException}.
 *
 * <p>Call in order, once each: {@link #clientFirstMessage()}, {@link #handleServerFirst(String)},
 * {@link #verifyServerFinal(String)}. Not thread-safe; owned by the server connection's event loop.
 */
public final class ScramClientExchange {

    /**
     * Highest iteration count we run PBKDF2 for on a server's say-so: PgJDBC's default for its
     * {@code scramMaxIterations} property. PostgreSQL accepts up to INT_MAX, so a hostile or misconfigured
     * server could otherwise pin an event loop for minutes. Pass-through logins run no PBKDF2 and are not capped.
     */
    static final int MAX_ITERATIONS = 100_000;

    /**
     * PostgreSQL ignores the user name in client-first (the startup packet's user counts); libpq sends
     * an empty one, ongres requires a non-empty one, so we send "*" as PgJDBC does.
     */
    private static final String IGNORED_USERNAME = "*";

    private final ScramClient client;
    private final boolean derivesFromPassword;

    private ScramClientExchange(ScramClient client, boolean derivesFromPassword) {
        this.client = client;
        this.derivesFromPassword = derivesFromPassword;
    }

    /**
     * A login with the password, normalized as PostgreSQL normalizes it (SASLprep, raw bytes when SASLprep
     * refuses the password).
     *
     * @param user the role name; PostgreSQL takes it from the startup packet, not from SCRAM
     * @throws IllegalArgumentException when the password is empty, or empty after SASLprep
     */
    public static ScramClientExchange withPassword(String user, String password) {
        try {
            ScramSecret.requireUsablePassword(password);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot log in to PostgreSQL as " + user + ": " + e.getMessage(), e);
        }
        ScramClient client = ScramClient.builder()
                .advertisedMechanisms(List.of(ScramSecret.MECHANISM.getName()))
                .username(IGNORED_USERNAME)
                .password(password.toCharArray())
                .stringPreparation(StringPreparation.POSTGRESQL_PREPARATION)
                .build();
        return new ScramClientExchange(client, true);
    }

    /**
     * A pass-through login with the ClientKey recovered from the pooler's own client
     * ({@link ScramServerExchange#clientKey()}) and the verifier's ServerKey. PostgreSQL must hold the
     * same verifier, since the salt and iteration count it sends are not used.
     */
    public static ScramClientExchange withKeys(byte[] clientKey, byte[] serverKey) {
        ScramClient client = ScramClient.builder()
                .advertisedMechanisms(List.of(ScramSecret.MECHANISM.getName()))
                .username(IGNORED_USERNAME)
                .clientAndServerKey(clientKey.clone(), serverKey.clone())
                .build();
        return new ScramClientExchange(client, false);
    }

    /** The mechanism name to put in SASLInitialResponse. */
    public String mechanism() {
        return client.getScramMechanism().getName();
    }

    /** client-first-message, for SASLInitialResponse. */
    public String clientFirstMessage() {
        return client.clientFirstMessage().toString();
    }

    /** Reads server-first-message (AuthenticationSASLContinue) and returns client-final-message. */
    public String handleServerFirst(String serverFirst) throws ScramException {
        // NOTE: ongres 3.2 reads missing attributes as null and then fails with an AssertionError or a
        // NullPointerException rather than a parse exception, so the attribute count is checked here.
        if (serverFirst.split(",", -1).length < 3) {
            throw new ScramException(ScramException.Kind.MALFORMED,
                    "malformed SCRAM server-first-message: expected r=, s= and i= attributes");
        }
        ServerFirstMessage parsed;
        try {
            parsed = client.serverFirstMessage(serverFirst);
        } catch (ScramParseException | IllegalArgumentException e) {
            throw new ScramException(ScramException.Kind.MALFORMED,
                    "malformed SCRAM server-first-message: " + e.getMessage(), e);
        }
        if (derivesFromPassword && parsed.getIterationCount() > MAX_ITERATIONS) {
            throw new ScramException(ScramException.Kind.UNSUPPORTED, "server asks for " + parsed.getIterationCount()
                    + " SCRAM iterations, more than the limit of " + MAX_ITERATIONS);
        }
        try {
            return client.clientFinalMessage().toString();
        } catch (IllegalArgumentException e) {
            // the salt is decoded only here
            throw new ScramException(ScramException.Kind.MALFORMED,
                    "malformed SCRAM server-first-message: " + e.getMessage(), e);
        }
    }

    /** Reads server-final-message (AuthenticationSASLFinal) and checks the server's signature. */
    public void verifyServerFinal(String serverFinal) throws ScramException {
        try {
            client.serverFinalMessage(serverFinal);
        } catch (ScramParseException | IllegalArgumentException e) {
            throw new ScramException(ScramException.Kind.MALFORMED,
                    "malformed SCRAM server-final-message: " + e.getMessage(), e);
        } catch (ScramServerErrorException e) {
            throw new ScramException(ScramException.Kind.AUTH_FAILED,
                    "server refused the SCRAM exchange: " + e.getMessage(), e);
        } catch (ScramInvalidServerSignatureException e) {
            throw new ScramException(ScramException.Kind.AUTH_FAILED,
                    "server signature does not match: the server does not know this password", e);
        }
    }
}
