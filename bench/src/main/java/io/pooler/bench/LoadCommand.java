package io.pooler.bench;

import io.pooler.bench.load.ApplicationNames;
import io.pooler.bench.load.Credentials;
import io.pooler.bench.load.Endpoint;
import io.pooler.bench.load.LoadGenerator;
import io.pooler.bench.load.LoadResult;
import io.pooler.bench.load.LoadSpec;
import io.pooler.bench.load.Pacing;
import io.pooler.bench.load.Protocol;
import io.pooler.bench.load.TransactionScript;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code load}: the load generator alone, against any PostgreSQL or pooler, for ad hoc runs. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Runs pgbench's tables and scripts with the bench's own event-driven client and prints "
                + "throughput and latency percentiles. The tables must exist (pgbench -i, or a compare run).")
final class LoadCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1")
    String host;
    @Option(names = {"-p", "--port"}, defaultValue = "6432")
    int port;
    @Option(names = {"-d", "--database"}, required = true)
    String database;
    @Option(names = {"-U", "--user"}, required = true)
    String user;
    @Option(names = "--password", required = true, description = "SCRAM-SHA-256 logins only.")
    String password;
    @Option(names = {"-c", "--clients"}, defaultValue = "10")
    int clients;
    @Option(names = "--script", defaultValue = "select-only", description = "select-only or tpcb-like")
    String script;
    @Option(names = {"-s", "--scale"}, defaultValue = "1", description = "The scale the tables were made with.")
    int scale;
    @Option(names = {"-M", "--protocol"}, defaultValue = "simple", description = "simple or prepared")
    String protocol;
    @Option(names = {"-R", "--rate"}, defaultValue = "0", description = "Transactions a second over all clients; 0 runs a closed loop.")
    double rate;
    @Option(names = {"-C", "--connect-per-transaction"})
    boolean connectPerTransaction;
    @Option(names = {"-T", "--duration"}, defaultValue = "10", description = "Seconds measured.")
    int duration;
    @Option(names = "--warmup", defaultValue = "2", description = "Seconds run before measuring.")
    int warmup;
    @Option(names = {"-j", "--threads"}, defaultValue = "2")
    int threads;
    @Option(names = "--odoo-names", description = "Each client sends an application_name of its own, odoo-<pid>, as Odoo's workers do.")
    boolean odooNames;

    @Override
    public Integer call() throws Exception {
        TransactionScript transaction = switch (script) {
            case "select-only" -> TransactionScript.selectOnly(scale);
            case "tpcb-like" -> TransactionScript.tpcbLike(scale);
            default -> throw new IllegalArgumentException("--script: select-only or tpcb-like, not " + script);
        };
        Endpoint endpoint = new Endpoint(host, port, database, new Credentials(user, password));
        LoadSpec spec = LoadSpec.closedLoop(endpoint, clients, transaction, Protocol.valueOf(protocol.toUpperCase()))
                .withPacing(rate > 0 ? Pacing.fixedRate(rate) : Pacing.closedLoop())
                .withConnectPerTransaction(connectPerTransaction)
                .withEventLoops(threads)
                .withApplicationNames(odooNames ? ApplicationNames.odooPerClient() : ApplicationNames.SHARED);
        try (LoadGenerator load = LoadGenerator.start(spec)) {
            load.connect(Duration.ofSeconds(60));
            Thread.sleep(warmup * 1000L);
            LoadResult result = load.measure(Duration.ofSeconds(duration));
            Histogram h = result.latencyMicros();
            System.out.printf("%d clients, %s, %s, %s%s: %.0f tx/s, %d transactions, %d errors%n", clients, transaction,
                    protocol, spec.pacing(), connectPerTransaction ? ", connection per transaction" : "",
                    result.tps(), result.transactions(), result.errors());
            System.out.printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
                    h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
            result.errorSamples().forEach(e -> System.out.println("error: " + e));
            return result.errors() == 0 ? 0 : 2;
        }
    }
}
