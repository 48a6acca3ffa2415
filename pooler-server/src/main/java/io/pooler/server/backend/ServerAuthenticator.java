package io.pooler.server.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.pooler.auth.Md5Auth;
import io.pooler.auth.Md5Secret;
import io.pooler.auth.ScramClientExchange;
import io.pooler.auth.ScramException;
import io.pooler.protocol.Authentication;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FrontendMessages;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.SqlState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers whatever PostgreSQL asks for when the pooler logs in: cleartext, md5 or SCRAM-SHA-256,
 * with the password, the stored md5 hash, or SCRAM keys passed through from a client.
 */
final class ServerAuthenticator {
    private final BackendTarget target;
    private ScramClientExchange scram;

    ServerAuthenticator(BackendTarget target) {
        this.target = target;
    }

    /** The reply to one Authentication request, or null for AuthenticationOk. */
    ByteBuf respond(ByteBufAllocator alloc, ByteBuf frame) throws ServerLoginException {
        int code = Authentication.code(frame);
        switch (code) {
            case Authentication.OK:
                return null;
            case Authentication.CLEARTEXT_PASSWORD:
                return FrontendMessages.passwordMessage(alloc, requirePassword("cleartext"));
            case Authentication.MD5_PASSWORD:
                return md5(alloc, frame);
            case Authentication.SASL:
                return saslStart(alloc, frame);
            case Authentication.SASL_CONTINUE:
                return saslContinue(alloc, frame);
            case Authentication.SASL_FINAL:
                saslFinal(frame);
                return null;
            default:
                throw failure("server asked for unsupported authentication method " + code);
        }
    }

    private ByteBuf md5(ByteBufAllocator alloc, ByteBuf frame) throws ServerLoginException {
        byte[] salt = ByteBufUtil.getBytes(Authentication.payload(frame), 0, 4);
        Md5Secret secret;
        if (target.password().isPresent()) {
            secret = new Md5Secret(Md5Auth.encode(target.user(), target.password().get()));
        } else if (target.md5Secret().isPresent()) {
            secret = target.md5Secret().get();
        } else {
            throw noPassword("md5");
        }
        return FrontendMessages.passwordMessage(alloc, Md5Auth.challengeResponse(secret, salt));
    }

    private ByteBuf saslStart(ByteBufAllocator alloc, ByteBuf frame) throws ServerLoginException {
        List<String> mechanisms = readMechanisms(Authentication.payload(frame));
        if (!mechanisms.contains("SCRAM-SHA-256")) {
            throw failure("server offers no supported SASL mechanism: " + mechanisms);
        }
        if (target.password().isPresent()) {
            scram = ScramClientExchange.withPassword(target.user(), target.password().get());
        } else if (target.scramKeys().isPresent()) {
            PassThroughCredentials.ScramKeys keys = target.scramKeys().get();
            scram = ScramClientExchange.withKeys(keys.clientKey(), keys.serverKey());
        } else {
            throw noPassword("SCRAM");
        }
        return FrontendMessages.saslInitialResponse(alloc, scram.mechanism(), scram.clientFirstMessage());
    }

    private ByteBuf saslContinue(ByteBufAllocator alloc, ByteBuf frame) throws ServerLoginException {
        if (scram == null) {
            throw failure("unexpected SASL continue message from server");
        }
        try {
            String serverFirst = Authentication.payload(frame).toString(StandardCharsets.UTF_8);
            return FrontendMessages.saslResponse(alloc, scram.handleServerFirst(serverFirst));
        } catch (ScramException e) {
            throw failure("SCRAM exchange with server failed: " + e.getMessage());
        }
    }

    private void saslFinal(ByteBuf frame) throws ServerLoginException {
        if (scram == null) {
            throw failure("unexpected SASL final message from server");
        }
        try {
            scram.verifyServerFinal(Authentication.payload(frame).toString(StandardCharsets.UTF_8));
        } catch (ScramException e) {
            throw failure("server's SCRAM signature is invalid: " + e.getMessage());
        }
    }

    private static List<String> readMechanisms(ByteBuf payload) {
        ByteBuf in = payload.duplicate();
        List<String> mechanisms = new ArrayList<>();
        while (in.isReadable()) {
            String name = PgFrames.readCString(in);
            if (name.isEmpty()) {
                break;
            }
            mechanisms.add(name);
        }
        return mechanisms;
    }

    private String requirePassword(String method) throws ServerLoginException {
        return target.password().orElseThrow(() -> noPassword(method));
    }

    private ServerLoginException noPassword(String method) {
        return failure("no password available for " + method + " login to the server as user \""
                + target.user() + "\"");
    }

    private static ServerLoginException failure(String message) {
        return new ServerLoginException(ErrorResponse.fatal(SqlState.CONNECTION_FAILURE, message));
    }
}
