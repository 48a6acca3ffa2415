package io.pooler.admin.show;

import io.pooler.Version;
import io.pooler.admin.AdminBackend;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;

/** SHOW VERSION: one row, the same string as the first line of {@code --version}. */
public final class ShowVersion extends ShowCommand {

    @Override
    protected ResultSet show(AdminBackend backend) {
        return ResultSet.of(Column.text("version")).row(Version.STRING);
    }
}
