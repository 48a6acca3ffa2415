package io.pooler;

/**
 * The one version string. SHOW VERSION answers with it and it is the first line of {@code --version},
 * as PgBouncer's tools expect.
 */
public final class Version {
    public static final String NUMBER = "0.1.0";
    public static final String STRING = "Pooler " + NUMBER;

    private Version() {
    }
}
