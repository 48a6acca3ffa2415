package io.pooler.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramClientExchangeTest {

    @Test
    void logsInWithAPasswordAgainstAPostgresVerifier() throws Exception {
        ScramClientExchange client = ScramClientExchange.withPassword("pencil_user", "pencil");
        assertEquals("SCRAM-SHA-256", client.mechanism());
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));

        String clientFirst = client.clientFirstMessage();
        assertTrue(clientFirst.startsWith("n,,n=*,r="), clientFirst);
        String serverFinal = server.handleClientFinal(client.handleServerFirst(server.handleClientFirst(clientFirst)));
        client.verifyServerFinal(serverFinal);
    }

    @Test
    void normalizesANonAsciiPasswordAsPostgresDoes() throws Exception {
        for (String verifier : new String[] {PostgresVerifiers.ROMAN_NINE, PostgresVerifiers.SOFT_HYPHEN}) {
            ScramClientExchange client = ScramClientExchange.withPassword("u", "\u2168");
            ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(verifier));
            client.verifyServerFinal(server.handleClientFinal(
                    client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()))));
        }
        ScramClientExchange client = ScramClientExchange.withPassword("u", "\u06271");
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.BIDI_FAILURE));
        client.verifyServerFinal(server.handleClientFinal(
                client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()))));
    }

    @Test
    void refusesAServerThatDoesNotKnowThePassword() throws Exception {
        // A server holding another verifier cannot produce the right signature; here it does not even
        // accept the proof, so we forge a server-final with a made-up signature.
        ScramClientExchange client = ScramClientExchange.withPassword("u", "pencil");
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
        client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        ScramException e = assertThrows(ScramException.class,
                () -> client.verifyServerFinal("v=" + Base64.getEncoder().encodeToString(new byte[32])));
        assertEquals(ScramException.Kind.AUTH_FAILED, e.kind());
    }

    @Test
    void serverErrorIsAnAuthenticationFailure() throws Exception {
        ScramClientExchange client = ScramClientExchange.withPassword("u", "pencil");
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
        client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
        ScramException e = assertThrows(ScramException.class, () -> client.verifyServerFinal("e=invalid-proof"));
        assertEquals(ScramException.Kind.AUTH_FAILED, e.kind());
    }

    @Test
    void capsTheIterationCountAServerMayAskFor() {
        ScramClientExchange client = ScramClientExchange.withPassword("u", "pencil");
        String nonce = clientNonce(client.clientFirstMessage());
        ScramException e = assertThrows(ScramException.class,
                () -> client.handleServerFirst("r=" + nonce + "server,s=c2FsdA==,i=100001"));
        assertEquals(ScramException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void passThroughRunsNoPbkdf2AndIsNotCapped() throws Exception {
        ScramClientExchange client = ScramClientExchange.withKeys(new byte[32], new byte[32]);
        String nonce = clientNonce(client.clientFirstMessage());
        String clientFinal = client.handleServerFirst("r=" + nonce + "server,s=c2FsdA==,i=2000000000");
        assertTrue(clientFinal.startsWith("c=biws,r=" + nonce + "server,p="), clientFinal);
    }

    @Test
    void malformedServerFirstMessages() {
        for (String template : new String[] {
            "r=someoneElsesNonce,s=c2FsdA==,i=4096",
            "r=%sserver,s=c2FsdA==,i=many",
            "r=%sserver,s=c2FsdA==,i=0",
            "r=%sserver,s=c2FsdA==",
            "r=%s,s=c2FsdA==,i=4096",
            "r=%sserver,s=!!!,i=4096",
        }) {
            ScramClientExchange client = ScramClientExchange.withPassword("u", "pencil");
            String serverFirst = template.replace("%s", clientNonce(client.clientFirstMessage()));
            ScramException e = assertThrows(ScramException.class, () -> client.handleServerFirst(serverFirst));
            assertEquals(ScramException.Kind.MALFORMED, e.kind(), serverFirst);
        }
    }

    @Test
    void malformedServerFinalMessages() throws Exception {
        for (String serverFinal : new String[] {"", "x=1", "v=", "v=!!!"}) {
            ScramClientExchange client = ScramClientExchange.withPassword("u", "pencil");
            ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
            client.handleServerFirst(server.handleClientFirst(client.clientFirstMessage()));
            ScramException e = assertThrows(ScramException.class, () -> client.verifyServerFinal(serverFinal));
            assertEquals(ScramException.Kind.MALFORMED, e.kind(), serverFinal);
        }
    }

    @Test
    void emptyPasswordIsRefusedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> ScramClientExchange.withPassword("u", ""));
        assertThrows(IllegalArgumentException.class, () -> ScramClientExchange.withPassword("u", "\u00AD"));
    }

    private static String clientNonce(String clientFirst) {
        return clientFirst.substring(clientFirst.indexOf(",r=") + 3);
    }
}
