package io.pooler.server.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.pooler.config.DatabaseEntry;
import io.pooler.config.Settings;
import io.pooler.pool.ShutdownTexts;
import io.pooler.protocol.PgFrameDecoder;
import io.pooler.protocol.ProtocolException;
import io.pooler.protocol.SqlState;
import io.pooler.protocol.StartupPacket;
import io.pooler.server.RuntimeConfig;
import io.pooler.server.ShutdownState;
import io.pooler.server.tls.ClientTls;
import io.pooler.server.tls.TlsChannels;

import java.util.Optional;

/**
 * The first stage of a client connection (PgBouncer's {@code handle_client_startup}): the untyped
 * packets before login, SSLRequest, GSSENCRequest and CancelRequest, then the StartupMessage and the
 * checks that admit or refuse it in PgBouncer's order (TLS required, shutdown, max_client_conn). An
 * admitted client goes on to {@link ClientLogin}; a database that does not exist or is disabled is
 * refused there, once the client has authenticated. Not a handler of its own in the pipeline:
 * {@link ClientHandler} hands it the packets, and drops it at the StartupMessage, so a logged-in
 * client keeps nothing of it.
 *
 * <p>Threads: the client channel's event loop.
 */
final class ClientStartup {
    private final ClientServices services;
    private final LoginServices login;
    private final PgFrameDecoder decoder;
    private final ClientConnection client;
    /** When the connection was accepted, to tell logins under way from new ones during a shutdown. */
    private final long acceptedNanos = System.nanoTime();

    /**
     * During a shutdown only the console is served, as PgBouncer's unix socket, which stays open for it.
     * WAIT_FOR_CLIENTS (SIGTERM) still serves a login accepted before the shutdown began: a rolling
     * restart with so_reuseport then turns nobody away.
     */
    private boolean refusedForShutdown() {
        ShutdownState.Mode shutdown = services.shutdown().mode();
        return shutdown != ShutdownState.Mode.NONE && !(shutdown == ShutdownState.Mode.WAIT_FOR_CLIENTS
                && services.shutdown().acceptedBeforeShutdown(acceptedNanos));
    }

    ClientStartup(ClientServices services, LoginServices login, PgFrameDecoder decoder, ClientConnection client) {
        this.services = services;
        this.login = login;
        this.decoder = decoder;
        this.client = client;
    }

    /**
     * One packet before login; the decoder emits StartupPackets only until a StartupMessage.
     * NOTE: the caller drops this stage before handing it the StartupMessage, so what the decoder emits
     * behind it in the same read burst goes straight to the session.
     */
    void onPacket(Channel channel, StartupPacket packet) {
        if (client.isRejecting()) {
            return; // e.g. a StartupMessage queued behind a refused SSLRequest
        }
        try {
            switch (packet.kind()) {
                case SSL_REQUEST -> handleSslRequest(channel);
                case GSSENC_REQUEST -> channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
                case CANCEL_REQUEST -> {
                    // Closed only once the cancel is done, as PostgreSQL and PgBouncer (1.18 on) do: libpq and
                    // PgJDBC wait for this close, and a client still linked to its server sends its next
                    // query straight to it, where a cancel still on its way would stop that query instead.
                    login.cancels().forward(client, packet.cancelProcessId(), packet.cancelSecretKey(),
                            () -> client.runOnLoop(() -> client.disconnect("cancel request", null)));
                }
                case STARTUP -> handleStartupMessage(channel, packet);
            }
        } catch (ProtocolException e) {
            client.onProtocolError(e);
        }
    }

    /**
     * SSLRequest: 'S' and a TLS handshake when client TLS is on (TCP only), else 'N'. A second SSLRequest
     * inside TLS closes the connection, as PgBouncer does; bytes sent behind the request are refused, or
     * they would be taken as having come through TLS (CVE-2021-23214).
     */
    private void handleSslRequest(Channel channel) {
        ClientTls tls = services.config().get().tls().client();
        if (TlsChannels.hasTls(channel)) {
            client.disconnect("SSL req inside SSL", null);
        } else if (!tls.acceptsSslRequest(channel)) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
        } else if (decoder.hasBufferedInput()) {
            client.disconnect("received unencrypted data after SSL request", SqlState.PROTOCOL_VIOLATION);
        } else {
            tls.startTls(channel, services.config().get().config().settings().clientLoginTimeout().toMillis())
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            client.setCloseReason("TLS handshake failed: " + TlsChannels.describeFailure(f.cause()));
                        }
                    });
        }
    }

    /** Admission, in PgBouncer's order; the admitted client logs in to its database (or the console). */
    private void handleStartupMessage(Channel channel, StartupPacket packet) {
        RuntimeConfig rc = services.config().get();
        Settings settings = rc.config().settings();
        StartupRequest startup = StartupRequest.from(packet, rc.trackedParameters(), settings.ignoreStartupParameters(),
                services.parameterMaps());
        client.started(startup, rc.trackedParameters());
        if (rc.tls().client().requiresTls(channel) && !TlsChannels.hasTls(channel)) {
            client.disconnect("SSL required", SqlState.PROTOCOL_VIOLATION);
            return;
        }
        boolean console = Console.DATABASE.equals(startup.database());
        if (!console && refusedForShutdown()) {
            client.disconnect(ShutdownTexts.POOLER_SHUTTING_DOWN, SqlState.ADMIN_SHUTDOWN);
            return;
        }
        if (services.clientCount().get() > settings.maxClientConn()) {
            client.disconnect("no more connections allowed (max_client_conn)", SqlState.TOO_MANY_CONNECTIONS);
            return;
        }
        ClientLogin clientLogin = new ClientLogin(services, login, decoder, client, startup);
        client.loginStarted(clientLogin);
        if (console) {
            clientLogin.startConsole(); // the admin console's virtual database: no pool, no database limits
            return;
        }
        Optional<DatabaseEntry> db = rc.config().findDatabase(startup.database());
        if (db.isEmpty()) {
            clientLogin.startForUnknownDatabase(); // authenticates first: only then "no such database", as PgBouncer
            return;
        }
        // A disabled database is refused too, once the client has authenticated; only then does the
        // client join (and maybe make) its pool: ClientLogin.loginSucceeded says why.
        clientLogin.start(db.get());
    }
}
