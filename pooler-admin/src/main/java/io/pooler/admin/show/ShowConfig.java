package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.config.ConfigValue;

/** SHOW CONFIG: every key in PgBouncer's order, Pooler's own at the end; changeable is yes/no. */
public final class ShowConfig extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.text("key"), Column.text("value"), Column.text("default"),
                Column.text("changeable"));
        for (ConfigValue v : backend.config().showConfig()) {
            rs.row(v.key(), v.value(), v.defaultValue(), v.changeable() ? "yes" : "no");
        }
        return rs;
    }
}
