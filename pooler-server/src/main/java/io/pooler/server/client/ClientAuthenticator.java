package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pooler.auth.LoginRandom;
import io.pooler.auth.Md5Auth;
import io.pooler.auth.PlainPasswordCheck;
import io.pooler.auth.PlainSecret;
import io.pooler.auth.ScramChannelBinding;
import io.pooler.auth.ScramException;
import io.pooler.auth.ScramSecret;
import io.pooler.auth.ScramServerExchange;
import io.pooler.auth.Secret;
import io.pooler.config.AuthType;
import io.pooler.protocol.Authentication;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FrontendMessages;
import io.pooler.protocol.MessageType;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.server.backend.PassThroughCredentials;

import java.util.List;
import java.util.Optional;

/**
 * The pooler's side of a client's login, by auth_type: trust, any, plain (cleartext), md5 and
 * scram-sha-256. With md5, a user whose stored secret is a SCRAM verifier is asked for SCRAM, as
 * PgBouncer does. Over TLS, SCRAM-SHA-256-PLUS (channel binding to the pooler's certificate) is offered
 * before SCRAM-SHA-256.
 *
 * <p>NOTE: an unknown user goes through the same exchange as a known one (a random md5 salt, or a
 * mock SCRAM exchange with a salt derived from the name) and fails with the same message, so a
 * client cannot tell whether a user exists.
 */
final class ClientAuthenticator {
    static final String SCRAM_SHA_256 = "SCRAM-SHA-256";

    /** What one client message led to. */
    sealed interface Outcome permits Reply, Success, Failure {
    }

    /** Send this and wait for the client's next message. */
    record Reply(ByteBuf message) implements Outcome {
    }

    /** Logged in; {@code finalMessage} (SCRAM's server-final, or null) goes before AuthenticationOk. */
    record Success(ByteBuf finalMessage) implements Outcome {
    }

    record Failure(ErrorResponse error) implements Outcome {
    }

    private enum Method { NONE, CLEARTEXT, MD5, SCRAM }

    private final String user;
    private final Optional<Secret> secret;
    private final PassThroughCredentials learnt;
    private final Method method;
    private byte[] md5Salt;
    private ScramServerExchange scram;
    private boolean scramFirstDone;
    /** Our certificate's tls-server-end-point hash when the client came over TLS; null otherwise. */
    private byte[] tlsServerEndPoint;
    private final boolean userKnown;

    ClientAuthenticator(AuthType authType, String user, Optional<Secret> secret, PassThroughCredentials learnt,
                        byte[] processSecret, int scramIterations) {
        this.user = user;
        this.secret = secret;
        this.learnt = learnt;
        this.userKnown = secret.isPresent();
        this.method = chooseMethod(authType, secret);
        if (method == Method.SCRAM) {
            scram = scramExchange(secret, processSecret, scramIterations);
        }
    }

    private static Method chooseMethod(AuthType authType, Optional<Secret> secret) {
        return switch (authType) {
            case TRUST, ANY -> Method.NONE;
            case PLAIN -> Method.CLEARTEXT;
            case MD5 -> secret.isPresent() && secret.get() instanceof ScramSecret ? Method.SCRAM : Method.MD5;
            case SCRAM_SHA_256 -> Method.SCRAM;
            default -> throw new IllegalStateException("auth_type " + authType.configName() + " is not supported yet");
        };
    }

    /**
     * NOTE: every kind of user must cost the same here, or the time of a failed login tells them apart
     * (issue 9, item 6). No path runs PBKDF2: a stored verifier has its keys, a plain-text password's
     * verifier was derived when the userlist was loaded ({@link io.pooler.auth.PlainScramVerifiers}),
     * and the mock has none to derive. Each path computes the name's salt once, the verifier path too,
     * though its verifier brings its own salt: that one HMAC is then the same work for all.
     */
    private ScramServerExchange scramExchange(Optional<Secret> secret, byte[] processSecret, int iterations) {
        if (secret.isPresent() && secret.get() instanceof ScramSecret s) {
            ScramServerExchange.userSalt(user, processSecret); // the same work as the paths below; see above
            return ScramServerExchange.forSecret(s);
        }
        if (secret.isPresent() && secret.get() instanceof PlainSecret p) {
            return ScramServerExchange.forPlainPassword(p.password(), user, processSecret, iterations);
        }
        // Unknown user, or an md5 hash that SCRAM cannot use: a mock exchange that always fails.
        return ScramServerExchange.mock(user, processSecret, iterations);
    }

    /** True when no password exchange is needed (trust and any). */
    boolean isImmediate() {
        return method == Method.NONE;
    }

    /**
     * Under trust the user must still be in the auth file, as in PgBouncer ({@link LoginAnswers#trustFailed}
     * otherwise); under any, not at all.
     */
    boolean trustAllowed(AuthType authType) {
        return authType == AuthType.ANY || userKnown;
    }

    /** Over TLS: offers SCRAM-SHA-256-PLUS bound to this certificate hash. Call before {@link #begin}. */
    void offerChannelBinding(byte[] tlsServerEndPoint) {
        this.tlsServerEndPoint = tlsServerEndPoint.clone();
    }

    /** The first authentication request to send. */
    ByteBuf begin(ByteBufAllocator alloc) {
        return switch (method) {
            case CLEARTEXT -> Authentication.cleartextPassword(alloc);
            case MD5 -> {
                md5Salt = new byte[4];
                LoginRandom.current().nextBytes(md5Salt);
                yield Authentication.md5Password(alloc, md5Salt);
            }
            case SCRAM -> Authentication.sasl(alloc, tlsServerEndPoint == null ? List.of(SCRAM_SHA_256)
                    : List.of(ScramChannelBinding.PLUS_MECHANISM, SCRAM_SHA_256));
            case NONE -> throw new IllegalStateException("no exchange needed");
        };
    }

    /** Handles one message from the client during authentication. */
    Outcome handle(ByteBufAllocator alloc, ByteBuf frame) {
        if (PgFrames.type(frame) != MessageType.PASSWORD_MESSAGE) {
            throw new ProtocolException("expected password response, got message type " + (char) PgFrames.type(frame));
        }
        return switch (method) {
            case CLEARTEXT -> checkCleartext(FrontendMessages.readPassword(frame));
            case MD5 -> checkMd5(FrontendMessages.readPassword(frame));
            case SCRAM -> scramStep(alloc, frame);
            case NONE -> throw new IllegalStateException("no exchange expected");
        };
    }

    private Outcome checkCleartext(String password) {
        if (secret.isPresent() && PlainPasswordCheck.verify(secret.get(), user, password)) {
            if (!(secret.get() instanceof PlainSecret)) {
                learnt.rememberPassword(user, password);
            }
            return new Success(null);
        }
        return failed();
    }

    private Outcome checkMd5(String response) {
        if (secret.isPresent() && Md5Auth.verify(secret.get(), user, md5Salt, response)) {
            return new Success(null);
        }
        return failed();
    }

    private Outcome scramStep(ByteBufAllocator alloc, ByteBuf frame) {
        try {
            if (!scramFirstDone) {
                FrontendMessages.SaslInitialResponse initial = FrontendMessages.readSaslInitialResponse(frame);
                ScramChannelBinding binding = channelBinding(initial.mechanism());
                scramFirstDone = true;
                return new Reply(Authentication.saslContinue(alloc, scram.handleClientFirst(initial.data(), binding)));
            }
            String serverFinal = scram.handleClientFinal(FrontendMessages.readSaslResponse(frame));
            if (secret.isPresent() && secret.get() instanceof ScramSecret stored) {
                scram.clientKey().ifPresent(key -> learnt.rememberScramKeys(user, key, stored.serverKey()));
            }
            return new Success(Authentication.saslFinal(alloc, serverFinal));
        } catch (ScramException e) {
            if (e.kind() == ScramException.Kind.AUTH_FAILED) {
                return failed();
            }
            throw new ProtocolException(SqlState.PROTOCOL_VIOLATION, "invalid SCRAM message: " + e.getMessage());
        }
    }

    /** The binding the chosen mechanism implies; -PLUS only when it was offered. */
    private ScramChannelBinding channelBinding(String mechanism) {
        boolean plus = tlsServerEndPoint != null && ScramChannelBinding.PLUS_MECHANISM.equals(mechanism);
        if (!plus && !SCRAM_SHA_256.equals(mechanism)) {
            throw new ProtocolException("client selected an invalid SASL authentication mechanism");
        }
        return tlsServerEndPoint == null ? ScramChannelBinding.none() : ScramChannelBinding.overTls(tlsServerEndPoint, plus);
    }

    /** PgBouncer's words for the exchange that was asked for, for a wrong password and an unknown user alike. */
    private Outcome failed() {
        return new Failure(method == Method.SCRAM ? LoginAnswers.saslFailed() : LoginAnswers.passwordFailed());
    }
}
