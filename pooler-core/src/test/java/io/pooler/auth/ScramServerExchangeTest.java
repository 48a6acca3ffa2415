package io.pooler.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ScramMechanism;
import com.ongres.scram.common.StringPreparation;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ScramServerExchangeTest {

    private static final ScramMechanism SHA256 = ScramMechanism.SCRAM_SHA_256;

    // RFC 7677 section 3: user "user", password "pencil".
    private static final String RFC_CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String RFC_SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String RFC_SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private static final String RFC_SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String RFC_CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String RFC_SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    /** Stands for the hash of the server certificate (RFC 5929 tls-server-end-point). */
    private static final byte[] SERVER_END_POINT = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final byte[] PROCESS_SECRET = "per-process mock secret".getBytes(StandardCharsets.UTF_8);
    /** server-first-message as both real and mock exchanges shape it: 24-char nonce part, 16-byte salt. */
    private static final Pattern SERVER_FIRST_SHAPE =
            Pattern.compile("r=(?<cnonce>[^,]+)(?<snonce>[A-Za-z0-9+/]{24}),s=(?<salt>[A-Za-z0-9+/]{22}==),i=4096");

    private static ScramSecret rfcSecret() {
        return ScramSecret.fromPassword("pencil", Base64.getDecoder().decode(RFC_SALT), 4096);
    }

    @Test
    void rfc7677Example() throws Exception {
        ScramServerExchange server = ScramServerExchange.forSecret(rfcSecret(), () -> RFC_SERVER_NONCE);
        assertEquals(RFC_SERVER_FIRST, server.handleClientFirst(RFC_CLIENT_FIRST));
        assertEquals(RFC_SERVER_FINAL, server.handleClientFinal(RFC_CLIENT_FINAL));

        byte[] saltedPassword = ScramFunctions.saltedPassword(SHA256, StringPreparation.SASL_PREPARATION,
                "pencil".toCharArray(), Base64.getDecoder().decode(RFC_SALT), 4096);
        assertArrayEquals(ScramFunctions.clientKey(SHA256, saltedPassword), server.clientKey().orElseThrow());
    }

    @Test
    void roundTripWithOngresClient() throws Exception {
        ScramSecret secret = ScramSecret.parse(PostgresVerifiers.PENCIL);
        ScramServerExchange server = ScramServerExchange.forSecret(secret);
        ScramClient client = ongresClient("pencil");

        runExchange(client, server);

        byte[] saltedPassword = ScramFunctions.saltedPassword(SHA256, StringPreparation.POSTGRESQL_PREPARATION,
                "pencil".toCharArray(), secret.salt(), secret.iterations());
        assertArrayEquals(ScramFunctions.clientKey(SHA256, saltedPassword), server.clientKey().orElseThrow());
        assertEquals(secret, server.secret());
    }

    @Test
    void wrongPasswordFailsAtTheFinalStep() throws Exception {
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
        ScramClient client = ongresClient("pencil!");
        String serverFirst = server.handleClientFirst(client.clientFirstMessage().toString());
        ScramException e = assertThrows(ScramException.class, () -> finish(client, server, serverFirst));
        assertEquals(ScramException.Kind.AUTH_FAILED, e.kind());
        assertEquals(Optional.empty(), server.clientKey());
    }

    @Test
    void nonAsciiPasswordAgainstPostgresVerifier() throws Exception {
        for (String password : List.of("I\u00ADX", "IX", "\u2168")) {
            ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.SOFT_HYPHEN));
            runExchange(ongresClient(password), server);
        }
    }

    @Test
    void plainPasswordEntryShowsTheNamesSaltEveryTime() throws Exception {
        ScramServerExchange first = ScramServerExchange.forPlainPassword("secret", "bob", PROCESS_SECRET, 4096);
        ScramServerExchange second = ScramServerExchange.forPlainPassword("secret", "bob", PROCESS_SECRET, 4096);
        runExchange(ongresClient("secret"), first);
        runExchange(ongresClient("secret"), second);
        assertEquals(first.secret(), second.secret(), "the same verifier: same salt, same keys");
        assertArrayEquals(ScramServerExchange.userSalt("bob", PROCESS_SECRET), first.secret().salt());
        assertEquals(mockSalt("bob", PROCESS_SECRET), Base64.getEncoder().encodeToString(first.secret().salt()),
                "the salt the mock of the same name shows");

        ScramServerExchange wrong = ScramServerExchange.forPlainPassword("secret", "bob", PROCESS_SECRET, 4096);
        ScramClient client = ongresClient("Secret");
        String serverFirst = wrong.handleClientFirst(client.clientFirstMessage().toString());
        assertEquals(ScramException.Kind.AUTH_FAILED,
                assertThrows(ScramException.class, () -> finish(client, wrong, serverFirst)).kind());
    }

    @Test
    void emptyPlainPasswordLooksNormalAndAlwaysFails() throws Exception {
        ScramServerExchange server = ScramServerExchange.forPlainPassword("", "bob", PROCESS_SECRET, 4096);
        ScramClient client = ongresClient("anything");
        String serverFirst = server.handleClientFirst(client.clientFirstMessage().toString());
        assertTrue(SERVER_FIRST_SHAPE.matcher(serverFirst).matches(), serverFirst);
        assertEquals(ScramException.Kind.AUTH_FAILED,
                assertThrows(ScramException.class, () -> finish(client, server, serverFirst)).kind());
    }

    @Test
    void mockLooksLikeARealUserAndAlwaysFails() throws Exception {
        ScramServerExchange real = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
        ScramServerExchange mock = ScramServerExchange.mock("ghost", PROCESS_SECRET, 4096);

        ScramClient toReal = ongresClient("guess");
        ScramClient toMock = ongresClient("guess");
        String realFirst = real.handleClientFirst(toReal.clientFirstMessage().toString());
        String mockFirst = mock.handleClientFirst(toMock.clientFirstMessage().toString());
        assertTrue(SERVER_FIRST_SHAPE.matcher(realFirst).matches(), realFirst);
        assertTrue(SERVER_FIRST_SHAPE.matcher(mockFirst).matches(), mockFirst);

        ScramException realFailure = assertThrows(ScramException.class, () -> finish(toReal, real, realFirst));
        ScramException mockFailure = assertThrows(ScramException.class, () -> finish(toMock, mock, mockFirst));
        assertEquals(ScramException.Kind.AUTH_FAILED, mockFailure.kind());
        assertEquals(realFailure.kind(), mockFailure.kind());
        assertEquals(realFailure.getMessage(), mockFailure.getMessage());
        assertEquals(Optional.empty(), mock.clientKey());
    }

    @Test
    void mockSaltIsStablePerUserAndSecret() throws Exception {
        assertEquals(mockSalt("ghost", PROCESS_SECRET), mockSalt("ghost", PROCESS_SECRET));
        assertNotEquals(mockSalt("ghost", PROCESS_SECRET), mockSalt("phantom", PROCESS_SECRET));
        assertNotEquals(mockSalt("ghost", PROCESS_SECRET), mockSalt("ghost", "another process".getBytes()));
    }

    @Test
    void mockFailsEvenForAProofMadeWithItsOwnKeys() throws Exception {
        // The keys of a mock are zeros; a client that somehow knew them still must not get in.
        ScramServerExchange mock = ScramServerExchange.mock("ghost", PROCESS_SECRET, 4096);
        ScramClient client = ScramClient.builder().advertisedMechanisms(List.of("SCRAM-SHA-256")).username("*")
                .clientAndServerKey(new byte[32], new byte[32]).build();
        String serverFirst = mock.handleClientFirst(client.clientFirstMessage().toString());
        assertEquals(ScramException.Kind.AUTH_FAILED,
                assertThrows(ScramException.class, () -> finish(client, mock, serverFirst)).kind());
    }

    @Test
    void passThroughWithRecoveredClientKey() throws Exception {
        ScramSecret secret = ScramSecret.parse(PostgresVerifiers.PENCIL);
        ScramServerExchange facingClient = ScramServerExchange.forSecret(secret);
        runExchange(ongresClient("pencil"), facingClient);
        byte[] clientKey = facingClient.clientKey().orElseThrow();

        // PostgreSQL's side, played by a second server exchange holding the same verifier.
        ScramServerExchange postgres = ScramServerExchange.forSecret(secret);
        ScramClientExchange pooler = ScramClientExchange.withKeys(clientKey, facingClient.secret().serverKey());
        String serverFirst = postgres.handleClientFirst(pooler.clientFirstMessage());
        String serverFinal = postgres.handleClientFinal(pooler.handleServerFirst(serverFirst));
        pooler.verifyServerFinal(serverFinal);
        assertArrayEquals(clientKey, postgres.clientKey().orElseThrow());
    }

    @Test
    void libpqStyleEmptyUserNameAndExtensionsAreAccepted() throws Exception {
        // libpq sends "n=" with no name; an unknown extension must be ignored but still signed as sent.
        ScramSecret secret = ScramSecret.parse(PostgresVerifiers.PENCIL);
        ScramServerExchange server = ScramServerExchange.forSecret(secret);
        String bare = "n=,r=libpqNonce0123456789,x=ignored";
        String serverFirst = server.handleClientFirst("n,," + bare);
        String nonce = serverFirst.substring(2, serverFirst.indexOf(','));
        String withoutProof = "c=biws,r=" + nonce;

        String serverFinal = server.handleClientFinal(
                withoutProof + ",p=" + handMadeProof("pencil", secret, bare + "," + serverFirst + "," + withoutProof));
        assertEquals("v=" + Base64.getEncoder().encodeToString(ScramFunctions.serverSignature(SHA256,
                secret.serverKey(), bare + "," + serverFirst + "," + withoutProof)), serverFinal);
    }

    @Test
    void yFlagIsAcceptedAndMustBeRepeatedInTheFinalMessage() throws Exception {
        ScramSecret secret = ScramSecret.parse(PostgresVerifiers.PENCIL);
        // ongres sends "y" when it could bind but the server advertises no -PLUS mechanism.
        ScramClient client = ScramClient.builder().advertisedMechanisms(List.of("SCRAM-SHA-256")).username("*")
                .password("pencil".toCharArray()).channelBinding("tls-server-end-point", new byte[] {1, 2, 3})
                .build();
        String clientFirst = client.clientFirstMessage().toString();
        assertTrue(clientFirst.startsWith("y,,"), clientFirst);
        ScramServerExchange server = ScramServerExchange.forSecret(secret);
        String serverFirst = server.handleClientFirst(clientFirst);
        client.serverFirstMessage(serverFirst);
        String clientFinal = client.clientFinalMessage().toString();
        assertTrue(clientFinal.startsWith("c=eSws,"), clientFinal);
        client.serverFinalMessage(server.handleClientFinal(clientFinal));

        // A client that said "y" but then claims "n" ("biws") is refused.
        ScramServerExchange other = ScramServerExchange.forSecret(secret);
        String first = other.handleClientFirst("y,,n=,r=abcdef");
        String nonce = first.substring(2, first.indexOf(','));
        ScramException e = assertThrows(ScramException.class,
                () -> other.handleClientFinal("c=biws,r=" + nonce + ",p=" + Base64.getEncoder().encodeToString(new byte[32])));
        assertEquals(ScramException.Kind.MALFORMED, e.kind());
    }

    @Test
    void authzidAndMandatoryExtensionsAreUnsupported() {
        for (String clientFirst : List.of("n,a=admin,n=,r=abc", "n,,m=ext,n=,r=abc")) {
            ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
            ScramException e = assertThrows(ScramException.class, () -> server.handleClientFirst(clientFirst));
            assertEquals(ScramException.Kind.UNSUPPORTED, e.kind(), clientFirst);
        }
    }

    @Test
    void channelBindingWithoutPlusIsMalformed() {
        // As PostgreSQL: binding data under plain SCRAM-SHA-256 (nothing offered, or -PLUS not chosen).
        for (ScramChannelBinding binding : List.of(ScramChannelBinding.none(),
                ScramChannelBinding.overTls(SERVER_END_POINT, false))) {
            ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
            ScramException e = assertThrows(ScramException.class,
                    () -> server.handleClientFirst("p=tls-server-end-point,,n=,r=abc", binding));
            assertEquals(ScramException.Kind.MALFORMED, e.kind());
        }
    }

    @Test
    void plusRoundTripWithOngresClientChecksTheBindingData() throws Exception {
        ScramSecret secret = ScramSecret.parse(PostgresVerifiers.PENCIL);
        ScramClient client = plusClient("pencil", SERVER_END_POINT);
        String clientFirst = client.clientFirstMessage().toString();
        assertTrue(clientFirst.startsWith("p=tls-server-end-point,,"), clientFirst);
        ScramServerExchange server = ScramServerExchange.forSecret(secret);
        String serverFirst = server.handleClientFirst(clientFirst, ScramChannelBinding.overTls(SERVER_END_POINT, true));

        client.serverFinalMessage(finish(client, server, serverFirst));

        assertTrue(server.clientKey().isPresent());
    }

    @Test
    void plusWithAnotherCertificatesHashIsRefused() throws Exception {
        // The client talks TLS to a man in the middle: it binds to the middle's certificate, not ours.
        ScramClient client = plusClient("pencil", new byte[] {9, 9, 9});
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
        String serverFirst = server.handleClientFirst(client.clientFirstMessage().toString(),
                ScramChannelBinding.overTls(SERVER_END_POINT, true));

        ScramException e = assertThrows(ScramException.class, () -> finish(client, server, serverFirst));

        assertEquals(ScramException.Kind.MALFORMED, e.kind());
        assertTrue(e.getMessage().contains("channel binding check failed"), e.getMessage());
        assertTrue(server.clientKey().isEmpty());
    }

    @Test
    void mockExchangeUnderPlusFailsOnlyAtTheProof() throws Exception {
        ScramClient client = plusClient("pencil", SERVER_END_POINT);
        ScramServerExchange mock = ScramServerExchange.mock("nobody", PROCESS_SECRET, 4096);
        String serverFirst = mock.handleClientFirst(client.clientFirstMessage().toString(),
                ScramChannelBinding.overTls(SERVER_END_POINT, true));

        ScramException e = assertThrows(ScramException.class, () -> finish(client, mock, serverFirst));

        assertEquals(ScramException.Kind.AUTH_FAILED, e.kind());
    }

    @Test
    void yFlagOverTlsIsADowngradeAndRefused() {
        // "y": the client could bind but believes the server cannot. Over TLS we offered -PLUS, so
        // somebody removed it from the list on the way: PostgreSQL refuses, so do we.
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
        ScramException e = assertThrows(ScramException.class,
                () -> server.handleClientFirst("y,,n=,r=abc", ScramChannelBinding.overTls(SERVER_END_POINT, false)));
        assertEquals(ScramException.Kind.MALFORMED, e.kind());
        assertTrue(e.getMessage().contains("channel binding negotiation error"), e.getMessage());
    }

    @Test
    void clientWithoutBindingSupportLogsInOverTlsWithPlainScram() throws Exception {
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
        ScramClient client = ongresClient("pencil");
        String serverFirst = server.handleClientFirst(client.clientFirstMessage().toString(),
                ScramChannelBinding.overTls(SERVER_END_POINT, false));

        client.serverFinalMessage(finish(client, server, serverFirst));

        assertTrue(server.clientKey().isPresent());
    }

    @Test
    void plusSelectedNeedsThePFlagAndTheTlsServerEndPointType() {
        ScramChannelBinding plus = ScramChannelBinding.overTls(SERVER_END_POINT, true);
        for (String clientFirst : List.of("n,,n=,r=abc", "y,,n=,r=abc")) {
            ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
            ScramException e = assertThrows(ScramException.class, () -> server.handleClientFirst(clientFirst, plus));
            assertEquals(ScramException.Kind.MALFORMED, e.kind(), clientFirst);
        }
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
        ScramException e = assertThrows(ScramException.class,
                () -> server.handleClientFirst("p=tls-unique,,n=,r=abc", plus));
        assertEquals(ScramException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void aNonceMayHoldEveryPrintableAsciiCharacterButTheComma() throws Exception {
        StringBuilder nonce = new StringBuilder();
        for (char c = 0x21; c <= 0x7e; c++) {
            if (c != ',') {
                nonce.append(c);
            }
        }
        ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL), () -> "s");
        assertTrue(server.handleClientFirst("n,,n=,r=" + nonce).startsWith("r=" + nonce + "s,"));
    }

    @Test
    void malformedClientFirstMessages() {
        for (String clientFirst : List.of("", "x,,n=,r=abc", "n,n=,r=abc", "n,,r=abc", "n,,n=", "n,,n=,r=",
                "n,,n=,r=a\u00e9", "n,,n=,r=abc,1=x", "n,,n=,r=a\0bc", "n,,n=,r=a bc", "n,,n=,r=ab\u007f")) {
            ScramServerExchange server = ScramServerExchange.forSecret(ScramSecret.parse(PostgresVerifiers.PENCIL));
            ScramException e = assertThrows(ScramException.class, () -> server.handleClientFirst(clientFirst));
            assertEquals(ScramException.Kind.MALFORMED, e.kind(), clientFirst);
        }
    }

    @Test
    void malformedClientFinalMessages() throws Exception {
        String proof = Base64.getEncoder().encodeToString(new byte[32]);
        String shortProof = Base64.getEncoder().encodeToString(new byte[31]);
        List<String> finals = List.of(
                "c=biws,r=%s",                      // no proof
                "c=biws,r=%s,p=" + shortProof,      // proof of the wrong length
                "c=biws,r=%s,p=***",                // proof not base64
                "c=biws,r=%s,p=" + proof + ",x=1",  // something after the proof
                "c=biws,r=%sX,p=" + proof,          // nonce not ours
                "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=" + proof,  // client nonce alone
                "c=eSws,r=%s,p=" + proof,           // "y,," binding after an "n,," header
                "r=%s,c=biws,p=" + proof);          // attributes out of order
        for (String template : finals) {
            ScramServerExchange server = ScramServerExchange.forSecret(rfcSecret(), () -> RFC_SERVER_NONCE);
            server.handleClientFirst(RFC_CLIENT_FIRST);
            String clientFinal = template.replace("%s", "rOprNGfwEbeRWgbNEkqO" + RFC_SERVER_NONCE);
            ScramException e = assertThrows(ScramException.class, () -> server.handleClientFinal(clientFinal));
            assertEquals(ScramException.Kind.MALFORMED, e.kind(), clientFinal);
        }
    }

    @Test
    void extensionBeforeTheProofIsSkippedButSigned() throws Exception {
        ScramSecret secret = rfcSecret();
        ScramServerExchange server = ScramServerExchange.forSecret(secret, () -> RFC_SERVER_NONCE);
        server.handleClientFirst(RFC_CLIENT_FIRST);
        String withoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO" + RFC_SERVER_NONCE + ",x=extension";
        String authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO," + RFC_SERVER_FIRST + "," + withoutProof;
        server.handleClientFinal(withoutProof + ",p=" + handMadeProof("pencil", secret, authMessage));
        assertTrue(server.clientKey().isPresent());
    }

    @Test
    void callsOutOfOrderAreProgrammingErrors() throws Exception {
        ScramServerExchange server = ScramServerExchange.forSecret(rfcSecret(), () -> RFC_SERVER_NONCE);
        assertThrows(IllegalStateException.class, () -> server.handleClientFinal(RFC_CLIENT_FINAL));
        server.handleClientFirst(RFC_CLIENT_FIRST);
        assertThrows(IllegalStateException.class, () -> server.handleClientFirst(RFC_CLIENT_FIRST));

        ScramServerExchange failed = ScramServerExchange.forSecret(rfcSecret());
        assertThrows(ScramException.class, () -> failed.handleClientFirst("garbage"));
        assertThrows(IllegalStateException.class, () -> failed.handleClientFinal(RFC_CLIENT_FINAL));
    }

    private static ScramClient plusClient(String password, byte[] tlsServerEndPoint) {
        return ScramClient.builder()
                .advertisedMechanisms(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"))
                .username("*")
                .password(password.toCharArray())
                .stringPreparation(StringPreparation.POSTGRESQL_PREPARATION)
                .channelBinding("tls-server-end-point", tlsServerEndPoint)
                .build();
    }

    private static ScramClient ongresClient(String password) {
        return ScramClient.builder()
                .advertisedMechanisms(List.of("SCRAM-SHA-256"))
                .username("*")
                .password(password.toCharArray())
                .stringPreparation(StringPreparation.POSTGRESQL_PREPARATION)
                .build();
    }

    /** A whole exchange; the ongres client throws if the server's signature is wrong. */
    private static void runExchange(ScramClient client, ScramServerExchange server) throws Exception {
        String serverFirst = server.handleClientFirst(client.clientFirstMessage().toString());
        client.serverFinalMessage(finish(client, server, serverFirst));
    }

    /** The client reads server-first, the server reads client-final; returns server-final. */
    private static String finish(ScramClient client, ScramServerExchange server, String serverFirst)
            throws Exception {
        client.serverFirstMessage(serverFirst);
        return server.handleClientFinal(client.clientFinalMessage().toString());
    }

    private static String mockSalt(String user, byte[] processSecret) throws Exception {
        ScramServerExchange mock = ScramServerExchange.mock(user, processSecret, 4096);
        Matcher m = SERVER_FIRST_SHAPE.matcher(mock.handleClientFirst("n,,n=,r=abc"));
        assertTrue(m.matches());
        return m.group("salt");
    }

    /** What libpq computes: ClientKey XOR HMAC(StoredKey, AuthMessage). */
    private static String handMadeProof(String password, ScramSecret secret, String authMessage) {
        byte[] saltedPassword = ScramFunctions.saltedPassword(SHA256, StringPreparation.POSTGRESQL_PREPARATION,
                password.toCharArray(), secret.salt(), secret.iterations());
        byte[] clientKey = ScramFunctions.clientKey(SHA256, saltedPassword);
        byte[] signature = ScramFunctions.clientSignature(SHA256, ScramFunctions.storedKey(SHA256, clientKey), authMessage);
        return Base64.getEncoder().encodeToString(ScramFunctions.clientProof(clientKey, signature));
    }
}
