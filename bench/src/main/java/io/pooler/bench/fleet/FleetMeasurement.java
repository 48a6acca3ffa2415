package io.pooler.bench.fleet;

/**
 * One target's run of one fleet size.
 *
 * @param errors every error of the run, the ramp's failed logins included, plus stalled workers
 * @param maxServers the most server connections of the odoo role in pg_stat_activity, sampled twice a
 *     second while measuring; {@code maxPostgresServers} those to the postgres database
 * @param cpuPercent the pooler process's user plus system CPU over the measured interval, in percent
 *     of one core
 * @param maxRssBytes the pooler process's largest resident set size while measuring
 * @param compilerCpuPercent of {@code cpuPercent}, what the JVM's JIT compiler threads used (0 for a
 *     process that is not a JVM; a lower bound, see {@code ProcessStats.compilerSecondsBetween})
 */
public record FleetMeasurement(String targetKey, String targetName, int round, FleetShape shape, FleetResult result,
                               long errors, int maxServers, int maxPostgresServers, double cpuPercent,
                               long maxRssBytes, String failure, double compilerCpuPercent) {

    public boolean failed() {
        return failure != null;
    }
}
