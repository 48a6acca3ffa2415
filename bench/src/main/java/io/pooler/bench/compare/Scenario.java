package io.pooler.bench.compare;

import io.pooler.bench.load.ApplicationNames;
import io.pooler.bench.load.Protocol;

/**
 * One measured situation, the same for every target.
 *
 * @param number the scenario's number in the README's table
 * @param key short name, used in file names and the results file
 * @param poolSize server connections per pool (the poolers' {@code default_pool_size})
 * @param poolMode {@code transaction} or {@code session}
 * @param tpcb pgbench's TPC-B-like script; otherwise its select-only one
 * @param ratePerSecond transactions a second over all clients, or 0 for a closed loop
 * @param pgbench whether pgbench drives it when installed; otherwise the bench's own client does
 * @param memorySteps when above 0, clients connect in this many steps and the target's RSS is sampled
 *     after each, for the memory per client connection
 * @param direct whether PostgreSQL alone can take it (10,000 backends it cannot)
 * @param applicationNames the application_name the bench client's connections send (pgbench sends its own)
 */
public record Scenario(int number, String key, String title, int clients, int poolSize, String poolMode, boolean tpcb,
                       Protocol protocol, boolean connectPerTransaction, double ratePerSecond, boolean pgbench,
                       int memorySteps, boolean direct, ApplicationNames applicationNames) {

    public boolean closedLoop() {
        return ratePerSecond == 0;
    }

    /** The scenario with fewer clients and a lower rate, for the smoke test. */
    public Scenario scaledTo(int newClients, int newPoolSize, double newRate) {
        return new Scenario(number, key, title, newClients, newPoolSize, poolMode, tpcb, protocol, connectPerTransaction,
                newRate, pgbench, memorySteps, direct, applicationNames);
    }

    public Scenario withMemorySteps(int steps) {
        return new Scenario(number, key, title, clients, poolSize, poolMode, tpcb, protocol, connectPerTransaction,
                ratePerSecond, pgbench, steps, direct, applicationNames);
    }

    public String label() {
        return number + " " + key;
    }
}
