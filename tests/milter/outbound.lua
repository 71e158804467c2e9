-- SPDX-License-Identifier: Apache-2.0
-- outbound.lua - postmask-milter on the masking listener, at the milter
-- protocol level (miltertest): which replies it gives at each step and
-- which header changes (chgheader/addheader) it asks for.  The envelope
-- change (chgfrom) is outside what miltertest can check: the real-Postfix
-- test (tests/postfix/outbound_mask.sh) checks it downstream.
-- Driven by tests/milter_outbound.sh:
--   PM_SOCK   the milter socket      PM_PROXY  the conversation's proxy address
--   PM_SID    the conversation SID   PM_CASE   which case to run

local sock = os.getenv("PM_SOCK")
local proxy = os.getenv("PM_PROXY")
local sid = os.getenv("PM_SID")
local case = os.getenv("PM_CASE")

local function check(cond, what)
    if not cond then
        mt.echo("FAIL: " .. case .. ": " .. what)   -- miltertest hides error()
        error(case .. ": " .. what)
    end
end

local function expect_reply(want, what)
    local got = mt.getreply(conn)
    check(got == want, what .. ": milter replied '" .. tostring(got) ..
          "', want '" .. tostring(want) .. "'")
end

local function start(daemon, sender)
    conn = mt.connect(sock, 40, 0.25)
    check(conn ~= nil, "cannot connect to " .. sock)
    mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", daemon)
    check(mt.conninfo(conn, "localhost", "127.0.0.1") == nil, "conninfo failed")
    expect_reply(SMFIR_CONTINUE, "connect")
    check(mt.mailfrom(conn, sender) == nil, "mailfrom failed")
    expect_reply(SMFIR_CONTINUE, "MAIL FROM")
    mt.macro(conn, SMFIC_RCPT, "i", "4OUT" .. case)
    check(mt.rcptto(conn, "<bob@building.example>") == nil, "rcptto failed")
    expect_reply(SMFIR_CONTINUE, "RCPT TO")
end

local function headers(list)
    for _, h in ipairs(list) do
        check(mt.header(conn, h[1], h[2]) == nil, "header failed")
        expect_reply(SMFIR_CONTINUE, "header " .. h[1])
    end
    check(mt.eoh(conn) == nil, "eoh failed")
end

local function seeker_headers(subject, conversation)
    local h = {
        {"From", "Sam Seeker <sam.seeker@gmail.example>"},
        {"To", "Bob Building <bob@building.example>"},
        {"Subject", subject},
        {"X-Originating-IP", "[198.51.100.7]"},
    }
    if conversation then
        table.insert(h, {"X-Postmask-Conversation", conversation})
    end
    return h
end

local function finish(body_reply)
    check(mt.bodystring(conn, "Hello Bob\r\n") == nil, "body failed")
    expect_reply(body_reply, "body")
    check(mt.eom(conn) == nil, "eom failed")
end

if case == "masked" then
    start("postmask-masking", "<sam.seeker@gmail.example>")
    headers(seeker_headers("Office at 12 Main St", sid))
    expect_reply(SMFIR_CONTINUE, "end of headers")
    finish(SMFIR_SKIP)              -- mask_bodies = no: the body is skipped
    expect_reply(SMFIR_CONTINUE, "end of message")
    check(mt.eom_check(conn, MT_HDRCHANGE, "From", " Sam Seeker <" .. proxy .. ">"),
          "From not changed to the proxy with the display name")
    check(mt.eom_check(conn, MT_HDRADD, "Reply-To", " " .. proxy),
          "Reply-To not added")
    check(mt.eom_check(conn, MT_HDRDELETE, "X-Postmask-Conversation"),
          "X-Postmask-Conversation not removed")
    check(mt.eom_check(conn, MT_HDRDELETE, "X-Originating-IP"),
          "X-Originating-IP not removed")
    check(not mt.eom_check(conn, MT_HDRCHANGE, "To"), "To was changed")
    mt.disconnect(conn)
elseif case == "noheader" then
    start("postmask-masking", "<sam.seeker@gmail.example>")
    headers(seeker_headers("Office", nil))
    expect_reply(SMFIR_REPLYCODE, "end of headers")
    mt.disconnect(conn)
elseif case == "badsid" then
    start("postmask-masking", "<sam.seeker@gmail.example>")
    headers(seeker_headers("Office", "CH12345"))
    expect_reply(SMFIR_REPLYCODE, "end of headers")
    mt.disconnect(conn)
elseif case == "twoheaders" then
    start("postmask-masking", "<sam.seeker@gmail.example>")
    local h = seeker_headers("Office", sid)
    table.insert(h, {"X-Postmask-Conversation", sid})
    headers(h)
    expect_reply(SMFIR_REPLYCODE, "end of headers")
    mt.disconnect(conn)
elseif case == "unmasked" then
    start("postmask-masking", "<no-reply@example.com>")
    headers({{"From", "no-reply@example.com"}, {"Subject", "New enquiry"}})
    expect_reply(SMFIR_ACCEPT, "end of headers")
    mt.disconnect(conn)
elseif case == "leak" then
    start("postmask-masking", "<sam.seeker@gmail.example>")
    headers(seeker_headers("Mail me at SAM.SEEKER@gmail.example", sid))
    expect_reply(SMFIR_CONTINUE, "end of headers")
    finish(SMFIR_SKIP)
    expect_reply(SMFIR_REPLYCODE, "end of message")
    check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
          "Message refused: the sender's address would remain in the Subject header"),
          "no 550 5.7.1 naming the Subject header")
    check(not mt.eom_check(conn, MT_HDRCHANGE, "From"), "From changed anyway")
    mt.disconnect(conn)
elseif case == "toomany" then
    -- More sender addresses than the rewrite takes: a permanent refusal.
    start("postmask-masking", "<sam.seeker@gmail.example>")
    -- 3 x 22 addresses in From, Sender and Reply-To (short header lines:
    -- miltertest's own buffers are small).
    local function list(tag)
        local l = {}
        for n = 1, 22 do
            table.insert(l, tag .. n .. "@g.ex")
        end
        return table.concat(l, ",")
    end
    local h = seeker_headers("Office", sid)
    h[1] = {"From", list("f")}
    table.insert(h, {"Sender", list("s")})
    table.insert(h, {"Reply-To", list("r")})
    headers(h)
    expect_reply(SMFIR_CONTINUE, "end of headers")
    finish(SMFIR_SKIP)
    expect_reply(SMFIR_REPLYCODE, "end of message")
    check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
          "Message refused: more than 64 sender addresses to mask"),
          "no 550 5.7.1 for too many sender addresses")
    mt.disconnect(conn)
elseif case == "mx" then
    -- The same message on the MX listener is not masked: only the internal
    -- header from outside is removed.
    start("postmask-mx", "<sam.seeker@gmail.example>")
    headers(seeker_headers("Office", sid))
    expect_reply(SMFIR_CONTINUE, "end of headers")
    finish(SMFIR_SKIP)
    expect_reply(SMFIR_CONTINUE, "end of message")
    check(not mt.eom_check(conn, MT_HDRCHANGE, "From"), "From changed on the MX")
    check(mt.eom_check(conn, MT_HDRDELETE, "X-Postmask-Conversation"),
          "X-Postmask-Conversation from outside not removed on the MX")
    mt.disconnect(conn)
else
    error("unknown case " .. tostring(case))
end
