package io.pooler.bench.compare;

import io.pooler.server.PoolerServer;
import io.pooler.testing.PostgresInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Pooler started inside the test JVM (leak detection on), configured for one scenario as the comparison would. */
final class InProcessPooler implements Target {
    private final PostgresInstance pg;
    private final Path dir;
    private PoolerServer server;

    InProcessPooler(PostgresInstance pg, Path dir) {
        this.pg = pg;
        this.dir = dir;
    }

    @Override
    public String key() {
        return "pooler";
    }

    @Override
    public String name() {
        return "Pooler in-process";
    }

    @Override
    public boolean supports(Scenario scenario) {
        return true;
    }

    @Override
    public void start(Scenario scenario) throws Exception {
        stop();
        Path userlist = dir.resolve("userlist.txt");
        Files.writeString(userlist, PoolerIni.userlist(Comparison.USER, pg.storedPassword(Comparison.USER)));
        Path ini = dir.resolve("pooler.ini");
        Files.writeString(ini, PoolerIni.render(scenario, 0, pg.host(), pg.port(), Comparison.DATABASE, userlist));
        server = PoolerServer.start(ini);
    }

    @Override
    public int port() {
        return server.tcpPort();
    }

    @Override
    public OptionalLong pid() {
        return OptionalLong.empty();
    }

    @Override
    public long residentBytes() {
        throw new UnsupportedOperationException("in-process: the test JVM's memory is not Pooler's");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.shutdownImmediate();
            server.terminated().join();
            server = null;
        }
    }
}
