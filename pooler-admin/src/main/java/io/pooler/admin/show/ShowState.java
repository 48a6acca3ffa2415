package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/** SHOW STATE: whether the pooler is active, paused (PAUSE) or suspended (SUSPEND). */
public final class ShowState extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        AdminBackend.PauseMode mode = backend.pauseMode();
        return ResultSet.of(Column.text("key"), Column.text("value"))
                .row("active", yesNo(mode == AdminBackend.PauseMode.NONE))
                .row("paused", yesNo(mode == AdminBackend.PauseMode.PAUSE))
                .row("suspended", yesNo(mode == AdminBackend.PauseMode.SUSPEND));
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }
}
