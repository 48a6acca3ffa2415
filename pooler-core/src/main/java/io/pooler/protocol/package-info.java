/**
 * The PostgreSQL wire protocol as the pooler sees it: framing, the few messages it parses, and the
 * messages it writes itself.
 *
 * <h2>Who owns a buffer (the rule every handler follows)</h2>
 * <ol>
 *   <li><b>One owner at a time.</b> {@link io.pooler.protocol.PgFrameDecoder} hands every frame it emits
 *   (a whole message as a {@code ByteBuf}, several whole ones back to back in one {@code ByteBuf} after
 *   {@link io.pooler.protocol.PgFrameDecoder#emitRuns}, or a piece of a streamed one as a
 *   {@link io.pooler.protocol.FramePart}) to exactly one handler. From that call on, the handler owns it.</li>
 *   <li><b>The owner ends it exactly once:</b> it forwards it (a {@code write} takes the reference over),
 *   queues it (the queue owns it, and whoever drains or clears the queue owns it next), or releases it.
 *   A relay that passes on parts of a buffer it keeps hands each part over as a retained slice, and
 *   releases the buffer itself once (the server side's {@code OutboundBatch.addRange}).
 *   One method per handler does the release, so there is one release per path.</li>
 *   <li><b>Validate, then consume.</b> Code that parses a frame reads everything it needs before it
 *   forwards, queues or releases anything. A {@link io.pooler.protocol.ProtocolException} is therefore
 *   thrown only while the caller still owns the frame unchanged; the owner catches it where it
 *   dispatched the frame, releases the frame there, and answers the sender with an ErrorResponse.
 *   Nothing further up the pipeline ever releases a frame again.</li>
 *   <li><b>Parsed values are copies.</b> Strings and numbers read from a frame never refer to its memory,
 *   so nothing outlives the frame's release.</li>
 * </ol>
 * Netty's {@code MessageToMessageDecoder} is the model: what it was given, it releases once. Tests run
 * with leak detection at paranoid, and a leak or a double release fails the build.
 *
 * <h2>What is buffered</h2>
 * A message the pooler only relays is streamed when it is long: its bytes are forwarded as they arrive
 * ({@link io.pooler.protocol.FramePart}), so one client or server cannot make the pooler hold more than
 * a read's worth of it. Only messages that drive a decision (login, ReadyForQuery, ParameterStatus,
 * errors, Parse/Bind/Describe/Close while prepared statements are tracked) are accumulated whole, and
 * those are capped by {@code max_parsed_message_size}; every message is capped by {@code max_packet_size}.
 */
package io.pooler.protocol;
