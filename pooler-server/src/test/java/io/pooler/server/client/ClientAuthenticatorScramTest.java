package io.pooler.server.client;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.StringPreparation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.pooler.auth.PlainSecret;
import io.pooler.auth.Secret;
import io.pooler.auth.Secrets;
import io.pooler.config.AuthType;
import io.pooler.protocol.FrontendMessages;
import io.pooler.protocol.PgFrames;
import io.pooler.server.backend.PassThroughCredentials;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9, item 6: what a client sees of a SCRAM login before it proves anything must not tell a user
 * whose userlist secret is a plain-text password from a user that does not exist.
 */
class ClientAuthenticatorScramTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final byte[] PROCESS_SECRET = "a process secret for the test".getBytes(StandardCharsets.UTF_8);
    private static final int ITERATIONS = 4096;
    /** server-first-message: the client's nonce, 24 characters of ours, a 16-byte salt, the iterations. */
    private static final Pattern SERVER_FIRST =
            Pattern.compile("r=(?<cnonce>[^,]+)(?<snonce>[A-Za-z0-9+/]{24}),s=(?<salt>[A-Za-z0-9+/]{22}==),i=(?<i>[0-9]+)");

    private final PassThroughCredentials learnt = new PassThroughCredentials();

    @Test
    void aPlainTextUserShowsTheSameSaltOnEveryAttempt() {
        Optional<Secret> plain = Optional.of(new PlainSecret("alice-password"));
        Matcher first = serverFirst("alice", plain);
        Matcher second = serverFirst("alice", plain);
        assertEquals(first.group("salt"), second.group("salt"), "the salt a stored verifier would show: always the same");
        assertEquals(first.group("i"), second.group("i"));
        assertEquals(String.valueOf(ITERATIONS), first.group("i"));
    }

    @Test
    void aPlainTextUserAndAnUnknownUserLookAlike() {
        Matcher plain = serverFirst("alice", Optional.of(new PlainSecret("alice-password")));
        Matcher unknown = serverFirst("nobody", Optional.empty());
        assertEquals(plain.group("salt").length(), unknown.group("salt").length());
        assertEquals(plain.group("i"), unknown.group("i"));
        assertEquals(plain.group().length(), unknown.group().length(), "same structure, same length");
        assertEquals(serverFirst("nobody", Optional.empty()).group("salt"), unknown.group("salt"),
                "the unknown user's salt is stable too");
    }

    @Test
    void addingAPlainTextUserDoesNotChangeTheSaltItsNameShows() {
        String before = serverFirst("carol", Optional.empty()).group("salt");
        String after = serverFirst("carol", Optional.of(new PlainSecret("carol-password"))).group("salt");
        assertEquals(before, after, "the salt is the name's, whether the user exists or not");
    }

    @Test
    void anMd5SecretUnderScramLooksLikeAnUnknownUser() {
        Secret md5 = Secrets.parse("md5" + "0123456789abcdef0123456789abcdef");
        assertEquals(serverFirst("dave", Optional.empty()).group("salt"), serverFirst("dave", Optional.of(md5)).group("salt"));
    }

    @Test
    void thePlainTextUserStillLogsIn() throws Exception {
        ClientAuthenticator auth = new ClientAuthenticator(AuthType.SCRAM_SHA_256, "erin",
                Optional.of(new PlainSecret("erin-password")), learnt, PROCESS_SECRET, ITERATIONS);
        auth.begin(ALLOC).release();
        ScramClient client = ongresClient("erin-password");
        String serverFirst = continueData(auth, FrontendMessages.saslInitialResponse(ALLOC,
                ClientAuthenticator.SCRAM_SHA_256, client.clientFirstMessage().toString()));
        client.serverFirstMessage(serverFirst);
        ByteBuf clientFinal = FrontendMessages.saslResponse(ALLOC, client.clientFinalMessage().toString());
        ClientAuthenticator.Outcome outcome = auth.handle(ALLOC, clientFinal);
        clientFinal.release();
        ClientAuthenticator.Success success = assertInstanceOf(ClientAuthenticator.Success.class, outcome);
        ByteBuf saslFinal = success.finalMessage();
        client.serverFinalMessage(saslData(saslFinal));
        saslFinal.release();
    }

    /** Starts a login as {@code user} and returns the server-first-message it is answered with, matched. */
    private Matcher serverFirst(String user, Optional<Secret> secret) {
        ClientAuthenticator auth = new ClientAuthenticator(AuthType.SCRAM_SHA_256, user, secret, learnt,
                PROCESS_SECRET, ITERATIONS);
        auth.begin(ALLOC).release();
        ScramClient client = ongresClient("a guess");
        String data = continueData(auth, FrontendMessages.saslInitialResponse(ALLOC, ClientAuthenticator.SCRAM_SHA_256,
                client.clientFirstMessage().toString()));
        Matcher m = SERVER_FIRST.matcher(data);
        assertTrue(m.matches(), data);
        return m;
    }

    private static String continueData(ClientAuthenticator auth, ByteBuf clientMessage) {
        ClientAuthenticator.Outcome outcome = auth.handle(ALLOC, clientMessage);
        clientMessage.release();
        ByteBuf reply = assertInstanceOf(ClientAuthenticator.Reply.class, outcome).message();
        try {
            return saslData(reply);
        } finally {
            reply.release();
        }
    }

    /** The data of an AuthenticationSASLContinue or AuthenticationSASLFinal: after the Int32 code. */
    private static String saslData(ByteBuf message) {
        ByteBuf body = PgFrames.body(message);
        return body.toString(body.readerIndex() + 4, body.readableBytes() - 4, StandardCharsets.UTF_8);
    }

    private static ScramClient ongresClient(String password) {
        return ScramClient.builder()
                .advertisedMechanisms(List.of("SCRAM-SHA-256"))
                .username("*")
                .password(password.toCharArray())
                .stringPreparation(StringPreparation.POSTGRESQL_PREPARATION)
                .build();
    }
}
