package io.pooler.bench.load;

import io.pooler.auth.ScramClientExchange;
import io.pooler.auth.ScramException;
import io.pooler.auth.ScramSecret;
import io.pooler.auth.ScramServerExchange;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CredentialsTest {
    private static final ScramSecret STORED = ScramSecret.fromPassword("pencil",
            Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);

    @Test
    void logsInWithThePasswordFirstAndWithTheLearnedKeysAfter() {
        Credentials credentials = new Credentials("bench", "pencil");

        assertDoesNotThrow(() -> login(credentials));
        // The first login learned the keys; this one runs no PBKDF2 and must still convince the server.
        assertDoesNotThrow(() -> login(credentials));
    }

    @Test
    void keysLearnedFromAnotherSaltFailAndAreForgotten() throws Exception {
        Credentials credentials = new Credentials("bench", "pencil");
        credentials.learn("r=abc,s=" + Base64.getEncoder().encodeToString(new byte[16]) + ",i=4096");

        assertThrows(ScramException.class, () -> login(credentials));
        credentials.forget();
        assertDoesNotThrow(() -> login(credentials));
    }

    /** One whole SCRAM exchange against a server holding {@link #STORED}, as PgClient runs it. */
    private static void login(Credentials credentials) throws ScramException {
        ScramServerExchange server = ScramServerExchange.forSecret(STORED);
        ScramClientExchange client = credentials.newExchange();
        String serverFirst = server.handleClientFirst(client.clientFirstMessage());
        String clientFinal = client.handleServerFirst(serverFirst);
        credentials.learn(serverFirst);
        client.verifyServerFinal(server.handleClientFinal(clientFinal));
    }
}
