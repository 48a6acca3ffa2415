package io.pooler.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.pooler.protocol.PgFrames;
import io.pooler.protocol.TrackedParameters;
import io.pooler.sql.SessionStateScanner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What pin_on_session_state costs per query: {@link SessionStateScanner} over one Query message, as
 * the relay runs it on arrival. {@code pgbench} is scenario 1's select-only statement; {@code odoo} a
 * multi-statement Odoo request (the README's traffic shape) with literals and a comment.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SessionStateScanBenchmark {
    private static final String PGBENCH = "SELECT abalance FROM pgbench_accounts WHERE aid = 48213;";
    private static final String ODOO = "SAVEPOINT \"7f3c2a\"; /* res.partner write */ UPDATE \"res_partner\" SET "
            + "\"write_date\"=(now() at time zone 'UTC'), \"name\"='Azure Interior, Brandon''s desk' WHERE id IN (14);"
            + " SELECT \"res_partner\".\"id\" FROM \"res_partner\" WHERE (\"res_partner\".\"active\" = true) AND "
            + "(\"res_partner\".\"company_id\" IN (1, 2)) ORDER BY \"res_partner\".\"display_name\" LIMIT 80;"
            + " RELEASE SAVEPOINT \"7f3c2a\"";

    @Param({"pgbench", "odoo"})
    String query;

    private final TrackedParameters tracked = new TrackedParameters(List.of());
    private ByteBuf frame;

    @Setup(Level.Trial)
    public void setUp() {
        frame = PgFrames.simpleQuery(UnpooledByteBufAllocator.DEFAULT, query.equals("odoo") ? ODOO : PGBENCH);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        frame.release();
    }

    @Benchmark
    public int scanOneQuery() {
        return SessionStateScanner.applyMessage(tracked, 0, frame);
    }
}
