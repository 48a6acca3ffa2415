package io.pooler.admin.control;

import io.pooler.admin.AdminErrors;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;
import io.pooler.protocol.SqlState;

import java.util.concurrent.CompletionStage;

/** KILL_CLIENT id: drops one client (and its server, if linked) by the id SHOW CLIENTS shows. */
public final class KillClient extends ControlCommand {

    @Override
    public boolean listsClients() {
        return true; // finds the client among them
    }

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        long id;
        try {
            id = Long.parseUnsignedLong(request.argument());
        } catch (NumberFormatException e) {
            return done(Response.error(SqlState.SYNTAX_ERROR, "invalid client pointer supplied"));
        }
        if (!request.backend().killClient(id)) {
            return done(Response.error(AdminErrors.UNDEFINED_OBJECT, "client not found"));
        }
        return ready("KILL_CLIENT");
    }
}
