package io.pooler.bench.load;

/**
 * The {@code application_name} each client sends in its startup packet: one name for every client, or,
 * as Odoo's workers do ({@code odoo-<pid>}), a name of its own per client. A pooler keeps each client's
 * startup parameters, Odoo sends distinct names, so the idle-client measurements use them.
 *
 * @param firstNumber the number client 0 gets when names are per client; client {@code i} gets {@code firstNumber + i}
 */
public record ApplicationNames(String prefix, boolean perClient, int firstNumber) {
    /** The bench's one name, shared by every client. */
    public static final ApplicationNames SHARED = new ApplicationNames("pooler-bench", false, 0);
    /** Six digits, as the worker pids of a long-running server look. */
    private static final int FIRST_PID = 100_000;

    /** {@code odoo-100000}, {@code odoo-100001}, ...: a name of its own per client. */
    public static ApplicationNames odooPerClient() {
        return new ApplicationNames("odoo-", true, FIRST_PID);
    }

    /** The same names, numbered on from {@code skip} further: for a second group of clients beside a first. */
    public ApplicationNames skipping(int skip) {
        return new ApplicationNames(prefix, perClient, firstNumber + skip);
    }

    /** The name client number {@code client} (from 0) sends. */
    public String nameOf(int client) {
        return perClient ? prefix + (firstNumber + client) : prefix;
    }

    @Override
    public String toString() {
        return perClient ? prefix + "<pid>, one per client" : prefix;
    }
}
