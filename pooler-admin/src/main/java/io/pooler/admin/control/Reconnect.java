package io.pooler.admin.control;

import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** RECONNECT [db]: every server is closed once released, even before its lifetime is up. */
public final class Reconnect extends ControlCommand {

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        if (request.hasArgument()) {
            Optional<Response> refused = checkDatabase(request, "reconnect");
            if (refused.isPresent()) {
                return done(refused.get());
            }
        }
        request.backend().reconnect(request.databaseOrAll());
        return ready("RECONNECT");
    }
}
