package io.pooler;

/**
 * The one version string. SHOW VERSION answers with it and it is the first line of {@code --version},
 * as PgBouncer's tools expect.
 *
 * <p>NOTE: it starts with the PgBouncer version whose behaviour Pooler matches, because monitoring
 * tools parse SHOW VERSION to pick the queries and columns they use (pgbouncer_exporter reads the
 * first "x.y.z" after the first word; Datadog's check the first "x.y.z" anywhere). Pooler's own
 * version follows.
 */
public final class Version {
    public static final String NUMBER = "0.1.0";
    /** The PgBouncer release whose console, config and signals Pooler follows. */
    public static final String PGBOUNCER_COMPATIBLE = "1.25.2";
    public static final String STRING = "PgBouncer " + PGBOUNCER_COMPATIBLE + " compatible (Pooler " + NUMBER + ")";

    private Version() {
    }
}
