package io.pooler.admin.control;

import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** WAIT_CLOSE [db]: answered once no server of the database still waits to be closed (after RECONNECT or RELOAD). */
public final class WaitClose extends ControlCommand {

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        if (request.hasArgument()) {
            Optional<Response> refused = checkDatabase(request, "wait in");
            if (refused.isPresent()) {
                return done(refused.get());
            }
        }
        return whenDone(request.backend().waitClose(request.databaseOrAll()), "WAIT_CLOSE");
    }
}
