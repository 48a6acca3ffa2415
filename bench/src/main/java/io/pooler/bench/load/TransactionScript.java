package io.pooler.bench.load;

import java.util.List;
import java.util.SplittableRandom;

/**
 * What one transaction runs: pgbench's built-in scripts, over pgbench's tables.
 *
 * <p>Each transaction draws its values once ({@link #draw}); its statements take their parameters
 * from them, so the TPC-B-like script updates and reads the same account, as pgbench's does.
 */
public final class TransactionScript {
    /** pgbench's table sizes per unit of scale. */
    static final int ACCOUNTS_PER_SCALE = 100_000;
    static final int TELLERS_PER_SCALE = 10;
    private static final int MAX_DELTA = 5000;

    private static final int AID = 0;
    private static final int BID = 1;
    private static final int TID = 2;
    private static final int DELTA = 3;

    private final String name;
    private final List<Statement> statements;
    private final int scale;

    private TransactionScript(String name, List<Statement> statements, int scale) {
        this.name = name;
        this.statements = List.copyOf(statements);
        this.scale = scale;
    }

    /** pgbench {@code -S}: one primary-key lookup in pgbench_accounts. */
    public static TransactionScript selectOnly(int scale) {
        return new TransactionScript("select-only", List.of(
                new Statement("SELECT abalance FROM pgbench_accounts WHERE aid = $1", new int[] {AID})), scale);
    }

    /** pgbench's default script, "TPC-B (sort of)": three updates, a select and an insert in one transaction. */
    public static TransactionScript tpcbLike(int scale) {
        return new TransactionScript("tpcb-like", List.of(
                new Statement("BEGIN", new int[0]),
                new Statement("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", new int[] {DELTA, AID}),
                new Statement("SELECT abalance FROM pgbench_accounts WHERE aid = $1", new int[] {AID}),
                new Statement("UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2", new int[] {DELTA, TID}),
                new Statement("UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2", new int[] {DELTA, BID}),
                new Statement("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime)"
                        + " VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)", new int[] {TID, BID, AID, DELTA}),
                new Statement("END", new int[0])), scale);
    }

    public String name() {
        return name;
    }

    public List<Statement> statements() {
        return statements;
    }

    /** The values of one transaction, drawn uniformly as pgbench draws them. */
    public long[] draw(SplittableRandom random) {
        long[] values = new long[4];
        values[AID] = random.nextLong(1, (long) ACCOUNTS_PER_SCALE * scale + 1);
        values[BID] = random.nextLong(1, scale + 1);
        values[TID] = random.nextLong(1, (long) TELLERS_PER_SCALE * scale + 1);
        values[DELTA] = random.nextLong(-MAX_DELTA, MAX_DELTA + 1);
        return values;
    }

    @Override
    public String toString() {
        return name;
    }
}
