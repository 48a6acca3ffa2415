package io.pooler.bench.load;

import java.util.Objects;

/**
 * One load: how many clients, what each runs and how often.
 *
 * @param connectPerTransaction each transaction opens, logs in on and closes its own connection, and its
 *     latency includes all of that (pgbench {@code -C})
 * @param eventLoops threads the clients share
 * @param loginsPerSecond how fast new clients are started while ramping up
 * @param maxPendingLogins how many clients may be connecting or logging in at once while ramping up, so
 *     the target's listen backlog never overflows
 * @param applicationNames the application_name each client sends at startup
 */
public record LoadSpec(Endpoint endpoint, int clients, TransactionScript script, Protocol protocol, Pacing pacing,
                       boolean connectPerTransaction, int eventLoops, int loginsPerSecond, int maxPendingLogins,
                       ApplicationNames applicationNames) {

    public LoadSpec {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(pacing, "pacing");
        Objects.requireNonNull(applicationNames, "applicationNames");
        if (clients < 1 || eventLoops < 1 || loginsPerSecond < 1 || maxPendingLogins < 1) {
            throw new IllegalArgumentException("clients, eventLoops, loginsPerSecond and maxPendingLogins must be positive");
        }
    }

    /** A closed loop of {@code clients} over one connection each, on as many threads as cores. */
    public static LoadSpec closedLoop(Endpoint endpoint, int clients, TransactionScript script, Protocol protocol) {
        return new LoadSpec(endpoint, clients, script, protocol, Pacing.closedLoop(), false,
                Runtime.getRuntime().availableProcessors(), 2000, 100, ApplicationNames.SHARED);
    }

    public LoadSpec withPacing(Pacing value) {
        return new LoadSpec(endpoint, clients, script, protocol, value, connectPerTransaction, eventLoops,
                loginsPerSecond, maxPendingLogins, applicationNames);
    }

    public LoadSpec withConnectPerTransaction(boolean value) {
        return new LoadSpec(endpoint, clients, script, protocol, pacing, value, eventLoops,
                loginsPerSecond, maxPendingLogins, applicationNames);
    }

    public LoadSpec withEventLoops(int value) {
        return new LoadSpec(endpoint, clients, script, protocol, pacing, connectPerTransaction, value,
                loginsPerSecond, maxPendingLogins, applicationNames);
    }

    public LoadSpec withApplicationNames(ApplicationNames value) {
        return new LoadSpec(endpoint, clients, script, protocol, pacing, connectPerTransaction, eventLoops,
                loginsPerSecond, maxPendingLogins, value);
    }
}
