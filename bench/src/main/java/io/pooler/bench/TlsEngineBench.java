package io.pooler.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.pooler.testing.TestCertificates;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * Compares Netty's TLS engines, the JDK's and OpenSSL's (netty-tcnative BoringSSL), on the two costs
 * a pooler pays: full handshakes (new client logins, new server connections) and bulk
 * encryption plus decryption (relayed results). In memory, one thread, no sockets: only the engine's
 * CPU time is measured. RSA 2048 server certificate, TLS 1.3 and 1.2.
 *
 * <p>Run: {@code java -cp bench/target/pooler-bench.jar io.pooler.bench.TlsEngineBench [seconds]}.
 */
public final class TlsEngineBench {
    private static final int RECORD = 16 * 1024;

    private TlsEngineBench() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        TestCertificates.Issued ca = TestCertificates.authority("bench CA");
        TestCertificates.Issued server = TestCertificates.server(ca, "localhost", List.of("localhost"), List.of());
        System.out.println("OpenSSL available: " + OpenSsl.isAvailable() + " (" + OpenSsl.versionString() + ")");
        List<SslProvider> providers = OpenSsl.isAvailable()
                ? List.of(SslProvider.JDK, SslProvider.OPENSSL) : List.of(SslProvider.JDK);
        for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
            Map<SslProvider, List<double[]>> results = new EnumMap<>(SslProvider.class);
            // Rounds alternate between the engines so a busy machine slows both alike.
            for (int round = 0; round <= rounds; round++) {
                for (SslProvider provider : providers) {
                    SslContext serverContext = SslContextBuilder.forServer(server.privateKey(), server.certificate())
                            .sslProvider(provider).protocols(protocol).build();
                    SslContext clientContext = SslContextBuilder.forClient()
                            .trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null)
                            .sslProvider(provider).protocols(protocol).build();
                    double[] result = {handshakes(serverContext, clientContext, seconds),
                        throughput(serverContext, clientContext, seconds)};
                    if (round > 0) { // round 0 warms the JIT up
                        results.computeIfAbsent(provider, p -> new ArrayList<>()).add(result);
                    }
                }
            }
            results.forEach((provider, runs) -> System.out.printf(
                    "%-8s %-7s handshakes/s median %6.0f best %6.0f   encrypt+decrypt MB/s median %6.0f best %6.0f%n",
                    provider, protocol, median(runs, 0), best(runs, 0), median(runs, 1), best(runs, 1)));
        }
    }

    private static double median(List<double[]> runs, int column) {
        double[] values = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return values[values.length / 2];
    }

    private static double best(List<double[]> runs, int column) {
        return runs.stream().mapToDouble(r -> r[column]).max().orElse(0);
    }

    private static double handshakes(SslContext serverContext, SslContext clientContext, double seconds)
            throws SSLException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        int count = 0;
        while (System.nanoTime() < end) {
            Pair pair = new Pair(serverContext, clientContext);
            pair.handshake();
            pair.release();
            count++;
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private static double throughput(SslContext serverContext, SslContext clientContext, double seconds)
            throws SSLException {
        Pair pair = new Pair(serverContext, clientContext);
        pair.handshake();
        ByteBuffer plain = ByteBuffer.allocateDirect(RECORD);
        long bytes = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            plain.clear();
            pair.serverToClient.clear();
            while (plain.hasRemaining()) {
                check(pair.server.wrap(plain, pair.serverToClient));
            }
            pair.serverToClient.flip();
            while (pair.serverToClient.hasRemaining()) {
                pair.clientApp.clear();
                SSLEngineResult result = pair.client.unwrap(pair.serverToClient, pair.clientApp);
                check(result);
                bytes += result.bytesProduced();
            }
        }
        pair.release();
        return bytes / 1e6 / ((System.nanoTime() - start) / 1e9);
    }

    private static void check(SSLEngineResult result) throws SSLException {
        if (result.getStatus() != SSLEngineResult.Status.OK) {
            throw new SSLException("unexpected engine status " + result);
        }
    }

    /** A client engine and a server engine wired back to back through two buffers. */
    private static final class Pair {
        final SSLEngine server;
        final SSLEngine client;
        final ByteBuffer clientToServer = ByteBuffer.allocateDirect(64 * 1024);
        final ByteBuffer serverToClient = ByteBuffer.allocateDirect(64 * 1024);
        final ByteBuffer clientApp = ByteBuffer.allocateDirect(64 * 1024);
        final ByteBuffer serverApp = ByteBuffer.allocateDirect(64 * 1024);

        Pair(SslContext serverContext, SslContext clientContext) {
            server = serverContext.newEngine(ByteBufAllocator.DEFAULT);
            // No peer host and port: no session resumption. PostgreSQL turns resumption off, and psql
            // does not resume either, so every login pays a full handshake.
            client = clientContext.newEngine(ByteBufAllocator.DEFAULT);
        }

        void handshake() throws SSLException {
            ByteBuffer empty = ByteBuffer.allocate(0);
            client.beginHandshake();
            server.beginHandshake();
            for (int round = 0; round < 100; round++) {
                int moved = move(client, empty, clientToServer, server, serverApp)
                        + move(server, empty, serverToClient, client, clientApp);
                // Done when both say so and nothing is in flight (TLS 1.3 session tickets included).
                if (moved == 0 && finished(client) && finished(server)) {
                    return;
                }
            }
            throw new SSLException("handshake did not finish");
        }

        /** Wraps what {@code from} has to send and feeds it to {@code to}; returns the bytes moved. */
        private static int move(SSLEngine from, ByteBuffer empty, ByteBuffer wire, SSLEngine to, ByteBuffer app)
                throws SSLException {
            from.wrap(empty, wire);
            runTasks(from);
            wire.flip();
            int moved = wire.remaining();
            while (wire.hasRemaining()) {
                SSLEngineResult result = to.unwrap(wire, app);
                runTasks(to);
                app.clear();
                if (result.getStatus() != SSLEngineResult.Status.OK || result.bytesConsumed() == 0) {
                    break;
                }
            }
            wire.compact();
            return moved;
        }

        private static boolean finished(SSLEngine engine) {
            SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
            return status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                    || status == SSLEngineResult.HandshakeStatus.FINISHED;
        }

        private static void runTasks(SSLEngine engine) {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
        }

        void release() {
            ReferenceCountUtil.release(server);
            ReferenceCountUtil.release(client);
        }
    }
}
