package io.pooler.admin.show;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.AdminCommand;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.ResultSet;
import io.pooler.admin.wire.Response;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A SHOW command: a result set built from a snapshot, answered at once. Stats users may run it. */
public abstract class ShowCommand implements AdminCommand {

    protected abstract ResultSet show(AdminBackend backend);

    @Override
    public CompletionStage<Response> run(AdminRequest request) {
        return CompletableFuture.completedFuture(Response.rows(show(request.backend())));
    }
}
