package io.pooler.server.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pooler.auth.Secret;
import io.pooler.config.AuthType;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.Settings;
import io.pooler.config.UserEntry;
import io.pooler.pool.ConnectionLimits;
import io.pooler.pool.Pool;
import io.pooler.protocol.Authentication;
import io.pooler.protocol.BackendMessages;
import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.FrontendMessageCheck;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.backend.AuthQueryClient;
import io.pooler.server.tls.CertificateLogin;
import io.pooler.server.tls.ClientTls;
import io.pooler.server.tls.TlsChannels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A client's login, once it was admitted (PgBouncer's {@code client.c} login half): who may connect
 * (auth_hba_file, peer, cert), where the user's secret comes from (auth_file, else auth_query), the
 * password exchange, max_db_client_connections and max_user_client_connections, then the welcome
 * (ParameterStatus, BackendKeyData, ReadyForQuery) once the pool knows its server's parameters.
 *
 * <p>The session holds this object only while the login runs: the SCRAM state and the rest are gone
 * once the client is READY, so an idle client costs little.
 *
 * <p>Threads: the client channel's event loop; the auth_query answer hops onto it.
 */
final class ClientLogin {
    private static final Logger log = LoggerFactory.getLogger(ClientLogin.class);
    /** The most a console connection's decoder buffers of one message; the console's own cap is lower. */
    private static final int CONSOLE_MAX_BUFFERED = 64 * 1024;
    /** PgBouncer's answer to a client whose login the configuration cannot serve; the log says why. */
    static final String BOUNCER_CONFIG_ERROR = "bouncer config error";

    private final ClientServices services;
    private final LoginServices login;
    private final PgFrameDecoder decoder;
    private final ClientConnection client;
    private final Channel channel;
    private final StartupRequest startup;
    private ClientAuthenticator authenticator;
    /** The database asked for has no entry: refused once the client has authenticated. */
    private boolean unknownDatabase;
    /** The entry of the database asked for, whose pool the client joins once authenticated; null for the console. */
    private DatabaseEntry db;
    /** What auth_query found for the user, kept for the server login only once the password was right. */
    private Secret queriedSecret;

    ClientLogin(ClientServices services, LoginServices login, PgFrameDecoder decoder, ClientConnection client,
                StartupRequest startup) {
        this.services = services;
        this.login = login;
        this.decoder = decoder;
        this.client = client;
        this.channel = client.channel();
        this.startup = startup;
    }

    /** A client of a database: the login proper. */
    void start(DatabaseEntry db) {
        this.db = db;
        RuntimeConfig rc = services.config().get();
        if (rc.config().settings().authType() == AuthType.ANY && db.user().isEmpty()) {
            log.error("{} auth_type=any requires forced user", client); // as PgBouncer's set_pool
            client.disconnect(BOUNCER_CONFIG_ERROR, SqlState.PROTOCOL_VIOLATION);
            return;
        }
        beginAuthentication(rc, rc.config().settings(), db);
    }

    /**
     * A database with no entry and no {@code *} fallback (PgBouncer's "fake" database): the client
     * authenticates as for a real one, and only then hears {@code no such database}, so the answer
     * tells nothing to someone without a password. No auth_query runs, as in PgBouncer: there is no
     * entry to say where, and an unauthenticated client should not make PostgreSQL work. A user only
     * auth_query knows goes through the mock exchange and gets the wrong-password answer. Under
     * auth_type any, whose login needs the entry's forced user, the answer is PgBouncer's config error.
     */
    void startForUnknownDatabase() {
        unknownDatabase = true;
        RuntimeConfig rc = services.config().get();
        if (rc.config().settings().authType() == AuthType.ANY) {
            log.error("{} auth_type=any requires forced user (no such database: {})", client, startup.database());
            client.disconnect(BOUNCER_CONFIG_ERROR, SqlState.PROTOCOL_VIOLATION);
            return;
        }
        beginAuthentication(rc, rc.config().settings(), null);
    }

    /** The admin console's virtual database: the same authentication, then the console takes over. */
    void startConsole() {
        Console console = login.consoles().open(channel, startup.user(), client.id(), client::fail);
        console.applicationName(client.applicationName());
        client.attachConsole(console);
        if (console.trustedPeer()) {
            loginSucceeded(null);
            return;
        }
        RuntimeConfig rc = services.config().get();
        beginAuthentication(rc, rc.config().settings(), null);
    }

    /**
     * Who may connect (auth_type hba), where the user's secret comes from (auth_file, else
     * auth_query when the database entry or the global settings name an auth_user), then the
     * password exchange. {@code db} is null for the admin console and an unknown database, which have
     * no auth_query.
     */
    private void beginAuthentication(RuntimeConfig rc, Settings settings, DatabaseEntry db) {
        // Password messages up to PostgreSQL's own bound (long generated passwords); anything else small.
        decoder.setLimits(FrontendMessageCheck.MAX_PASSWORD_MESSAGE, FrontendMessageCheck.MAX_PASSWORD_MESSAGE,
                PgFrameDecoder.StreamPolicy.NONE, FrontendMessageCheck::maxAuthLength);
        AuthType authType = settings.authType();
        if (authType == AuthType.HBA && (authType = hbaAuthType(rc)) == null) {
            return; // refused, or logged in by peer or certificate
        }
        Optional<Secret> secret = rc.userlist() == null ? Optional.empty() : rc.userlist().find(startup.user());
        if (authType == AuthType.CERT) {
            loginWithCertificate(secret.isPresent());
            return;
        }
        if (secret.isEmpty() && authType != AuthType.ANY && db != null && startAuthQuery(rc, db, authType)) {
            return; // continues in authQueryDone
        }
        beginAuthentication(authType, secret);
    }

    /** The password exchange (or none, under trust and any) with the secret the user has, if any. */
    private void beginAuthentication(AuthType authType, Optional<Secret> secret) {
        Settings settings = services.config().get().config().settings();
        authenticator = new ClientAuthenticator(authType, startup.user(), secret, login.passThrough(),
                login.processSecret().bytes(), settings.scramIterations());
        // Over TLS with a certificate that has a tls-server-end-point hash, SCRAM-SHA-256-PLUS is offered.
        ClientTls.tlsServerEndPoint(channel).ifPresent(authenticator::offerChannelBinding);
        if (authenticator.isImmediate()) {
            if (authenticator.trustAllowed(authType)) {
                loginSucceeded(null);
            } else {
                client.fail(LoginAnswers.trustFailed());
            }
            return;
        }
        client.authenticating();
        channel.writeAndFlush(authenticator.begin(channel.alloc()));
    }

    // ---- who may connect: auth_hba_file, peer, cert and auth_query ----

    /**
     * auth_type = hba: the matching rule's method as an auth_type, or null when the client was refused
     * or has been dealt with here (peer, cert).
     */
    private AuthType hbaAuthType(RuntimeConfig rc) {
        HbaGate.Decision decision = HbaGate.decide(rc.hba(), channel.remoteAddress(), TlsChannels.hasTls(channel),
                startup.database(), startup.user(),
                startup.replication() != null && startup.replication().mode() == ReplicationMode.PHYSICAL);
        if (decision.refusal() != null) {
            client.fail(decision.refusal());
            return null;
        }
        log.debug("{} hba rule {}", client, decision.rule().orElseThrow());
        switch (decision.method()) {
            case TRUST:
                return AuthType.TRUST;
            case MD5:
                return AuthType.MD5;
            case PASSWORD:
                return AuthType.PLAIN;
            case SCRAM_SHA_256:
                return AuthType.SCRAM_SHA_256;
            case PEER:
                loginAsPeer(system -> rc.hba().systemUserMayLogIn(decision.rule().get(), system, startup.user()));
                return null;
            case CERT:
                loginWithCertificate(rc.userlist() != null && rc.userlist().find(startup.user()).isPresent(),
                        name -> rc.hba().systemUserMayLogIn(decision.rule().get(), name, startup.user()));
                return null;
            default:
                throw new IllegalStateException("HbaGate refuses " + decision.method());
        }
    }

    /**
     * peer: the Unix user at the other end of the socket must be the user asked for, as in PostgreSQL,
     * or be mapped to it by the hba line's ident map ({@code mayLogIn}).
     */
    private void loginAsPeer(java.util.function.Predicate<String> mayLogIn) {
        Optional<String> peer = PeerUser.of(channel);
        if (peer.isPresent() && mayLogIn.test(peer.get())) {
            loginSucceeded(null);
        } else {
            log.info("{} peer authentication failed: peer is {}", client, peer.orElse("unknown"));
            client.disconnect("Peer authentication failed for user \"" + startup.user() + "\"", SqlState.INVALID_AUTHORIZATION);
        }
    }

    /**
     * auth_type = cert: the client certificate, verified during the handshake, must name the user in its
     * CommonName, and the user must be in the auth file, as in PgBouncer.
     */
    private void loginWithCertificate(boolean userKnown) {
        loginWithCertificate(userKnown, startup.user()::equals);
    }

    /** As above, with {@code nameAllowed} deciding which CommonNames may log in (an hba line's ident map). */
    private void loginWithCertificate(boolean userKnown, java.util.function.Predicate<String> nameAllowed) {
        Optional<String> refusal = CertificateLogin.refusal(TlsChannels.session(channel), startup.user(), nameAllowed);
        if (refusal.isEmpty() && userKnown) {
            loginSucceeded(null);
            return;
        }
        log.info("{} certificate login refused: {}", client, refusal.orElse("user not in auth_file"));
        client.disconnect("certificate authentication failed", SqlState.INVALID_AUTHORIZATION);
    }

    /**
     * auth_user is set for this database and the user is not in auth_file: look the user up with
     * auth_query through the auth_user's pool; the login goes on in {@link #authQueryDone}. Reading
     * stops meanwhile: the client has nothing to say until it is asked for a password.
     */
    private boolean startAuthQuery(RuntimeConfig rc, DatabaseEntry db, AuthType authType) {
        Settings settings = rc.config().settings();
        Optional<String> authUser = db.authUser().or(settings::authUser);
        if (authUser.isEmpty()) {
            return false;
        }
        String poolDatabase = startup.database();
        String authDbName = db.authDbname().or(settings::authDbname).orElse(poolDatabase);
        Optional<DatabaseEntry> authDb = authDatabase(rc, db, poolDatabase, authDbName);
        if (authDb.isEmpty()) {
            return true; // refused with PgBouncer's answer
        }
        Pool authPool = login.pools().enter(authDb.get(), authDbName, authUser.get()); // left when the lookup ends
        String query = db.authQuery().orElse(settings.authQuery());
        long timeout = settings.clientLoginTimeout().isZero() ? TimeUnit.MINUTES.toMillis(1) : settings.clientLoginTimeout().toMillis();
        channel.config().setAutoRead(false);
        AuthQueryClient.lookup(authPool, query, startup.user(), channel.eventLoop(),
                Duration.ofMillis(timeout), result -> client.runOnLoop(() -> authQueryDone(authType, result)));
        return true;
    }

    /**
     * PgBouncer's prepare_auth_database: the entry whose server runs auth_query, or empty after the client
     * was told why not: an entry that does not exist or is the admin console's is a "bouncer config
     * error" (the details go to the log), a disabled one is named.
     */
    private Optional<DatabaseEntry> authDatabase(RuntimeConfig rc, DatabaseEntry db, String poolDatabase, String authDbName) {
        if (Console.DATABASE.equals(authDbName)) {
            log.error("{} cannot use the reserved \"{}\" database as an auth_dbname", client, authDbName);
            client.disconnect(BOUNCER_CONFIG_ERROR, SqlState.PROTOCOL_VIOLATION);
            return Optional.empty();
        }
        Optional<DatabaseEntry> authDb = authDbName.equals(poolDatabase) ? Optional.of(db) : rc.config().findDatabase(authDbName);
        if (authDb.isEmpty()) {
            log.error("{} authentication database \"{}\" is not configured.", client, authDbName);
            client.disconnect(BOUNCER_CONFIG_ERROR, SqlState.PROTOCOL_VIOLATION);
        } else if (login.disabled().isDisabled(authDbName)) {
            client.disconnect("authentication database \"" + authDbName + "\" is disabled", SqlState.PROTOCOL_VIOLATION);
            return Optional.empty();
        }
        return authDb;
    }

    private void authQueryDone(AuthType authType, AuthQueryClient.Result result) {
        if (client.isClosedOrRejecting()) {
            return;
        }
        channel.config().setAutoRead(true);
        if (result instanceof AuthQueryClient.Failed failed) {
            log.warn("{} auth_query lookup failed: {}", client, failed.reason());
            client.disconnect("auth query failed", SqlState.INVALID_AUTHORIZATION);
            return;
        }
        Optional<Secret> secret = ((AuthQueryClient.Found) result).secret();
        if (secret.isEmpty() && authType == AuthType.TRUST) {
            client.fail(LoginAnswers.noSuchUser()); // PgBouncer's answer; under trust no password is at stake
            return;
        }
        // An unknown user goes through the same exchange as a known one (ClientAuthenticator's mock):
        // PgBouncer answers "no such user" here, before any password, which tells who exists.
        queriedSecret = secret.orElse(null);
        beginAuthentication(authType, secret);
    }

    // ---- the password exchange ----

    /**
     * A password, SASL or GSS message during authentication; released here, once, on every path.
     * NOTE: a protocol error is answered here too, and nothing up the pipeline releases the frame again.
     */
    void handleAuthMessage(ByteBuf frame) {
        ClientAuthenticator.Outcome outcome;
        try {
            outcome = authenticator.handle(channel.alloc(), frame);
        } catch (ProtocolException e) {
            client.onProtocolError(e);
            return;
        } finally {
            frame.release();
        }
        if (outcome instanceof ClientAuthenticator.Reply reply) {
            channel.writeAndFlush(reply.message());
        } else if (outcome instanceof ClientAuthenticator.Success success) {
            loginSucceeded(success.finalMessage());
        } else if (outcome instanceof ClientAuthenticator.Failure failure) {
            client.fail(failure.error());
        }
    }

    private void loginSucceeded(ByteBuf finalMessage) {
        if (finalMessage != null) {
            channel.write(finalMessage);
        }
        authenticator = null; // its SCRAM state is not needed again
        Console console = client.console();
        Optional<ErrorResponse> refusal = console == null ? refusalOnceAuthenticated() : Optional.empty();
        if (refusal.isPresent()) {
            client.fail(refusal.get()); // after SCRAM's final message, without AuthenticationOk, as PgBouncer
            return;
        }
        // Not flushed: the welcome (or a refusal) follows and flushes it, so the client gets its whole
        // login answer in one packet, as from PgBouncer; a close without an answer drops it.
        channel.write(Authentication.ok(channel.alloc()));
        client.authenticated();
        Settings settings = services.config().get().config().settings();
        if (console != null) {
            // Console queries are read whole; the console refuses those over its own cap, and the
            // decoder bounds what is buffered before that answer. No database limits apply to it.
            decoder.setMaxMessageLength(Math.min(settings.maxPacketSize(), CONSOLE_MAX_BUFFERED));
            consoleLoggedIn(console);
            return;
        }
        joinPool();
        decoder.setLimits(settings.maxPacketSize(), settings.maxParsedMessageSize(), client.relay().streamPolicy(),
                FrontendMessageCheck::maxLength);
        if (!takeClientLimitSlots()) {
            return;
        }
        if (ReplicationSession.wanted(startup)) {
            // a server of its own, not the pool's
            ReplicationSession.start(services.config(), services.cancelRegistry(), client, startup);
            return;
        }
        client.pool().clientLogin(client); // the pool calls onWelcomeReady once it knows its parameters
    }

    /**
     * The authenticated client joins the pool of its database entry and server-side user, made here on
     * first use, and holds it until it closes (PoolMaker.enter; freed when unused by autodb_idle_timeout
     * only under a {@code *} entry).
     * NOTE: not before. A pool comes with its max_db_connections and max_user_connections counters, a
     * Prometheus series, a row in SHOW POOLS and the janitor's attention, kept for good under an entry of
     * its own; made from the names of a startup packet, any number of clients that never log in could
     * make one each (any user name; any database name too under a {@code *} entry). Nothing the login
     * needs is the pool's: the secret is the auth file's or auth_query's (through the auth_user's pool),
     * and the exchange of an unknown user is the same mock whether or not a pool exists, so making the
     * pool later changes no answer and no timing. The same holds for what auth_query found: it is kept
     * for the server login only now ({@code queriedSecret}).
     */
    private void joinPool() {
        String serverUser = db.user().orElse(startup.user());
        if (queriedSecret != null) {
            login.passThrough().rememberQueriedSecret(startup.database(), startup.user(), queriedSecret);
            queriedSecret = null;
        }
        client.joinPool(login.pools().enter(db, startup.database(), serverUser)); // left as the client closes
    }

    /**
     * Where the error of a login refused before {@link #joinPool} counts: the pool the client would join if
     * that pool exists already, else nowhere of its own (null); looking makes no pool.
     */
    Pool existingPool() {
        return db == null ? null : login.pools().existing(startup.database(), db.user().orElse(startup.user()));
    }

    /**
     * PgBouncer's finish_client_login: what only an authenticated client is told, a database that does
     * not exist or is disabled (checked now, so a DISABLE during the password exchange counts).
     */
    private Optional<ErrorResponse> refusalOnceAuthenticated() {
        String database = startup.database();
        if (unknownDatabase) {
            if (services.config().get().config().settings().logConnections()) {
                log.info("{} login failed: db={} user={}", client, database, startup.user());
            }
            return Optional.of(LoginAnswers.noSuchDatabase(database));
        }
        if (login.disabled().isDisabled(database)) {
            return Optional.of(LoginAnswers.databaseDisabled(database));
        }
        return Optional.empty();
    }

    private void consoleLoggedIn(Console console) {
        Settings settings = services.config().get().config().settings();
        Optional<ErrorResponse> refused = console.admit(settings, console.trustedPeer());
        if (refused.isPresent()) {
            log.info("{} refused the admin console: not in admin_users or stats_users", client);
            client.fail(refused.get());
            return;
        }
        console.sendWelcome();
        client.loginDone();
    }

    /** max_db_client_connections and max_user_client_connections, checked once the client is known. */
    private boolean takeClientLimitSlots() {
        RuntimeConfig rc = services.config().get();
        Settings s = rc.config().settings();
        String poolDatabase = startup.database();
        int dbLimit = rc.config().findDatabase(poolDatabase).flatMap(d -> d.maxDbClientConnections().isPresent()
                ? Optional.of(d.maxDbClientConnections().getAsInt()) : Optional.empty()).orElse(s.maxDbClientConnections());
        UserEntry userEntry = rc.config().users().get(startup.user());
        int userLimit = userEntry != null && userEntry.maxUserClientConnections().isPresent()
                ? userEntry.maxUserClientConnections().getAsInt() : s.maxUserClientConnections();
        ConnectionLimits limits = login.limits();
        if (!limits.tryTakeClientOfDatabase(poolDatabase, dbLimit)) {
            client.disconnect("client connections exceeded (max_db_client_connections)", SqlState.TOO_MANY_CONNECTIONS);
            return false;
        }
        client.holdSlot(() -> limits.releaseClientOfDatabase(poolDatabase));
        String user = startup.user();
        if (!limits.tryTakeClientOfUser(user, userLimit)) {
            client.disconnect("client connections exceeded (max_user_client_connections)", SqlState.TOO_MANY_CONNECTIONS);
            return false;
        }
        client.holdSlot(() -> limits.releaseClientOfUser(user));
        return true;
    }

    // ---- the welcome ----

    /** ParameterStatus (the pool's values, overridden by the client's own), BackendKeyData, ReadyForQuery. */
    void sendWelcome() {
        Map<String, String> serverValues = client.pool().welcomeParameters();
        ClientParameters parameters = client.parameters();
        parameters.welcome(serverValues);
        Map<String, String> wanted = parameters.wanted();
        if (services.config().get().config().settings().logConnections()) {
            log.info("{} login attempt: db={} user={} tls={}", client, startup.database(), startup.user(), client.tls());
        }
        services.cancelRegistry().register(client);
        // AuthenticationOk, written unflushed at authentication, leaves with it.
        channel.writeAndFlush(BackendMessages.welcome(channel.alloc(), serverValues, wanted, client.cancelProcessId(),
                client.cancelSecretKey(), LoginNotice.of(services.config().get().config().settings())));
        client.pool().stats().clientLoggedIn();
        client.loginDone();
    }
}
