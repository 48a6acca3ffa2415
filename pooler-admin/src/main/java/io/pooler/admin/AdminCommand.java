package io.pooler.admin;

import io.pooler.admin.wire.Response;

import java.util.concurrent.CompletionStage;

/** One console command. Most answer at once; PAUSE, SUSPEND and WAIT_CLOSE answer when done. */
@FunctionalInterface
public interface AdminCommand {
    CompletionStage<Response> run(AdminRequest request);
}
