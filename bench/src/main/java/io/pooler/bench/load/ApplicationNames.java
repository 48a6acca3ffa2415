package io.pooler.bench.load;

/**
 * The {@code application_name} each client sends in its startup packet: one name for every client, or,
 * as Odoo's workers do ({@code odoo-<pid>}), a name of its own per client. A pooler that keeps each
 * client's startup parameters pays for distinct names, and Odoo sends them, so the idle-client
 * measurements use them.
 */
public record ApplicationNames(String prefix, boolean perClient) {
    /** The bench's one name, shared by every client. */
    public static final ApplicationNames SHARED = new ApplicationNames("pooler-bench", false);
    /** The first pid-like number: six digits, as the worker pids of a long-running server look. */
    private static final int FIRST_PID = 100_000;

    /** {@code odoo-100000}, {@code odoo-100001}, ...: a name of its own per client. */
    public static ApplicationNames odooPerClient() {
        return new ApplicationNames("odoo-", true);
    }

    /** The name client number {@code client} (from 0) sends. */
    public String nameOf(int client) {
        return perClient ? prefix + (FIRST_PID + client) : prefix;
    }

    @Override
    public String toString() {
        return perClient ? prefix + "<pid>, one per client" : prefix;
    }
}
