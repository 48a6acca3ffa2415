package io.pooler.testing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a PostgreSQL outside JUnit, for the bench module's demo and benchmarks.
 *
 * <p>A container when a Docker engine is reachable, else the zonky binaries run locally. The
 * system property {@code pooler.test.postgres} forces one: {@code binaries} or {@code container}.
 */
public final class Postgres {

    private static final Logger log = LoggerFactory.getLogger(Postgres.class);
    private static final String BACKEND_PROPERTY = "pooler.test.postgres";

    private Postgres() {
    }

    /**
     * Starts a new server from another PostgreSQL installation (a directory with {@code bin/initdb},
     * {@code bin/pg_ctl} and {@code bin/postgres}, such as Debian's {@code /usr/lib/postgresql/15}), run
     * locally with the same settings as every test server: for client programs that only talk to a
     * server of their own major version (pg_basebackup, pg_receivewal). The caller stops it.
     */
    public static PostgresInstance startLocal(java.nio.file.Path installation) throws Exception {
        return LocalPostgres.start(0, installation);
    }

    /**
     * Starts a new server on {@code port} (0 picks a free one) and waits until it accepts
     * connections. The caller stops it; at JVM exit it is stopped and its files removed anyway.
     */
    public static PostgresInstance startThrowaway(int port) throws Exception {
        String backend = System.getProperty(BACKEND_PROPERTY, "auto");
        switch (backend) {
            case "binaries":
                return LocalPostgres.start(port);
            case "container":
                return ContainerPostgres.start(port);
            case "auto":
                if (DockerProbe.dockerEngineReachable()) {
                    return ContainerPostgres.start(port);
                }
                log.debug("No Docker engine reachable; running PostgreSQL from the zonky binaries");
                return LocalPostgres.start(port);
            default:
                throw new IllegalArgumentException("-D" + BACKEND_PROPERTY + "=" + backend
                        + ": expected binaries, container or auto");
        }
    }
}
