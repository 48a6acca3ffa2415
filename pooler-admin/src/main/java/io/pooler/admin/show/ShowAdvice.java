package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.advice.Advice;
import io.pooler.admin.advice.AdviceRules;
import io.pooler.admin.advice.PoolLoad;
import io.pooler.admin.advice.PoolLoads;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/**
 * SHOW ADVICE, Pooler's own: for each pool, the settings its load over the current stats window asks
 * to change, with the reason and its figures, or one row saying nothing should change. See
 * {@link AdviceRules} and README.md (SHOW ADVICE).
 */
public final class ShowAdvice extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("database"), Column.text("user"), Column.text("setting"),
                Column.text("current_value"), Column.text("suggested_value"), Column.text("reason"));
        for (PoolLoad pool : PoolLoads.of(backend)) {
            for (Advice a : AdviceRules.advise(pool)) {
                rs.row(a.database(), a.user(), a.setting(), a.currentValue(), a.suggestedValue(), a.reason());
            }
        }
        return rs;
    }
}
