package io.pooler.protocol.prepared;

import io.pooler.protocol.ErrorResponse;
import io.pooler.protocol.SqlState;

/**
 * Tells PostgreSQL's refusals of a prepared statement that a schema change has outdated from the errors of
 * its use. A prepared statement keeps its parameter types (as type numbers) and the columns of its result;
 * when a later schema change alters either, PostgreSQL refuses it at Bind or Describe:
 * <ul>
 *   <li>0A000 "cached plan must not change result type", raised by RevalidateCachedQuery when the statement
 *       planned again would return other columns (a column added to a {@code SELECT *}, or its type
 *       changed, or a search_path that now finds another table);</li>
 *   <li>XX000 "cache lookup failed for type N" when a parameter's type was dropped (and perhaps made again
 *       under another number).</li>
 * </ul>
 * Checked by the routine's name and the internal error's text, which PostgreSQL never translates (the
 * message of the first is translated under lc_messages, and 0A000 alone covers much else). Parsing the
 * statement again, after the change, gives one PostgreSQL accepts.
 */
final class OutdatedPlan {
    /** plancache.c's function that plans a statement again and refuses a new result type. */
    private static final String REVALIDATE = "RevalidateCachedQuery";
    /** elog's text (never translated) when a type number has no type any more. */
    private static final String TYPE_GONE = "cache lookup failed for type ";

    private OutdatedPlan() {
    }

    /** True when {@code error}, the answer to a Bind or Describe of a prepared statement, says it is out of date. */
    static boolean refused(ErrorResponse error) {
        return switch (error.sqlState()) {
            case SqlState.FEATURE_NOT_SUPPORTED -> REVALIDATE.equals(error.routine());
            case SqlState.INTERNAL_ERROR -> error.message().startsWith(TYPE_GONE);
            default -> false;
        };
    }
}
