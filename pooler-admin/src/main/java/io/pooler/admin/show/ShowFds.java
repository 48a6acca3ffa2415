package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.FdView;
import io.pooler.admin.wire.Column;
import io.pooler.admin.wire.ResultSet;
import io.pooler.admin.wire.Response;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * SHOW FDS, for admin users only as in PgBouncer (it shows cancel keys). The session parameters, password
 * and SCRAM key columns are NULL: Pooler does not hand sockets over to another process.
 */
public final class ShowFds extends ShowCommand {

    @Override
    public boolean listsClients() {
        return true; // a row per client socket
    }

    @Override
    public CompletionStage<Response> run(AdminRequest request) {
        if (!request.adminUser()) {
            return CompletableFuture.completedFuture(AdminErrors.adminNeeded());
        }
        return super.run(request);
    }

    @Override
    protected ResultSet show(AdminBackend backend) {
        ResultSet rs = ResultSet.of(Column.int4("fd"), Column.text("task"), Column.text("user"),
                Column.text("database"), Column.text("addr"), Column.int4("port"), Column.int8("cancel"),
                Column.int4("link"), Column.text("client_encoding"), Column.text("std_strings"),
                Column.text("datestyle"), Column.text("timezone"), Column.text("password"),
                Column.text("scram_client_key"), Column.text("scram_server_key"));
        for (FdView fd : backend.fds()) {
            rs.row(fd.fd(), fd.task(), fd.user(), fd.database(), fd.addr(), fd.port(), fd.cancelKey(), fd.linkFd(),
                    null, null, null, null, null, null, null);
        }
        return rs;
    }
}
