-- SPDX-License-Identifier: Apache-2.0
-- inbound.lua - postmask-milter at the milter-protocol level (miltertest):
-- refusal of forged proxy recipients at RCPT, capture with smfi_delrcpt and
-- discard, mixed recipients, tempfail when the spool fails, 552 for an
-- oversized message (its body, or its headers alone: refused at their end),
-- removal of X-Postmask-* headers, the null sender (bounce tags), and the
-- cheap path for mail without proxy recipients.  Driven by tests/milter_inbound.sh,
-- which starts the milter and passes, in the environment:
--   PM_SOCK    the milter socket (unix:/path)
--   PM_PROXY   a valid proxy address
--   PM_FORGED  the same address with a flipped tag character
--   PM_CASE    which case to run (the driver checks the spool between cases)
--   PM_MSGID   optional: the Message-ID to send (to retry an earlier case)
--   PM_RCPT    case "null": the recipients, separated by spaces

local sock = os.getenv("PM_SOCK")
local proxy = os.getenv("PM_PROXY")
local forged = os.getenv("PM_FORGED")
local case = os.getenv("PM_CASE")
-- The Message-ID: a retry of an earlier case sends the same one.
local msgid = os.getenv("PM_MSGID") or ("reply-" .. case .. "@building.example")

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

-- Opens a connection and sends the envelope up to RCPT (each recipient is
-- checked against the reply it must get).
local function envelope(sender, rcpts)
    conn = mt.connect(sock, 40, 0.25)
    check(conn ~= nil, "cannot connect to " .. sock)
    mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", "mx",
             "{client_addr}", "192.0.2.7")
    check(mt.conninfo(conn, "mail.sender.example", "192.0.2.7") == nil,
          "conninfo failed")
    expect_reply(SMFIR_CONTINUE, "connect")
    check(mt.mailfrom(conn, sender) == nil, "mailfrom failed")
    expect_reply(SMFIR_CONTINUE, "MAIL FROM")
    for _, r in ipairs(rcpts) do
        mt.macro(conn, SMFIC_RCPT, "i", "4QUEUEID" .. case)
        check(mt.rcptto(conn, r[1]) == nil, "rcptto failed")
        expect_reply(r[2], "RCPT TO " .. r[1])
    end
end

local function headers(list)
    for _, h in ipairs(list) do
        check(mt.header(conn, h[1], h[2]) == nil, "header failed")
        expect_reply(SMFIR_CONTINUE, "header " .. h[1])
    end
end

local reply_headers = {
    {"From", "Building Contact <contact@building.example>"},
    {"To", "Seeker via Example <" .. proxy .. ">"},
    {"Subject", "Re: Office at 12 Main St"},
    {"Message-ID", "<" .. msgid .. ">"},
    {"MIME-Version", "1.0"},
    {"Content-Type", "text/plain; charset=utf-8"},
}

local reply_body = "Yes, it is still available. Come on Monday.\r\n\r\n" ..
    "On Mon, 2 Nov 2026 at 10:00, Seeker <" .. proxy .. "> wrote:\r\n" ..
    "> Is the office still available?\r\n"

local function message(hdrs, body, body_reply)
    headers(hdrs)
    check(mt.eoh(conn) == nil, "eoh failed")
    expect_reply(SMFIR_CONTINUE, "end of headers")
    check(mt.bodystring(conn, body) == nil, "body failed")
    expect_reply(body_reply or SMFIR_CONTINUE, "body")
    check(mt.eom(conn) == nil, "eom failed")
end

if case == "forged" then
    -- A forged proxy address is refused at RCPT with 550 5.1.1; a foreign
    -- address in the same transaction is not.
    envelope("<contact@building.example>", {
        {"<" .. forged .. ">", SMFIR_REPLYCODE},
        {"<someone@other.example>", SMFIR_CONTINUE},
    })
    mt.disconnect(conn)
elseif case == "malformed" then
    envelope("<contact@building.example>", {
        {"<not-a-proxy@reply.example.com>", SMFIR_REPLYCODE},
        {"<k1-abc@REPLY.example.com>", SMFIR_REPLYCODE},
    })
    mt.disconnect(conn)
elseif case == "capture" then
    -- Only a proxy recipient: captured, the recipient deleted, the message
    -- discarded (delivered nowhere).
    envelope("<contact@building.example>", {{"<" .. proxy .. ">", SMFIR_CONTINUE}})
    message(reply_headers, reply_body)
    expect_reply(SMFIR_DISCARD, "end of message")
    check(mt.eom_check(conn, MT_RCPTDELETE, "<" .. proxy .. ">"),
          "the proxy recipient was not deleted")
    mt.disconnect(conn)
elseif case == "mixed" then
    -- A proxy recipient and another one: captured, the proxy recipient
    -- deleted, the other one kept, the message continues.
    envelope("<contact@building.example>", {
        {"<" .. proxy .. ">", SMFIR_CONTINUE},
        {"<someone@other.example>", SMFIR_CONTINUE},
    })
    local hdrs = {table.unpack(reply_headers)}
    table.insert(hdrs, {"X-Postmask-Conversation", "CH00000000000000000000000000000000"})
    message(hdrs, reply_body)
    expect_reply(SMFIR_CONTINUE, "end of message")
    check(mt.eom_check(conn, MT_RCPTDELETE, "<" .. proxy .. ">"),
          "the proxy recipient was not deleted")
    check(not mt.eom_check(conn, MT_RCPTDELETE, "<someone@other.example>"),
          "the other recipient was deleted")
    check(mt.eom_check(conn, MT_HDRDELETE, "X-Postmask-Conversation"),
          "the X-Postmask header from outside was not removed")
    mt.disconnect(conn)
elseif case == "tempfail" then
    -- The spool cannot take the capture: 451 4.3.0, nothing changed.
    envelope("<contact@building.example>", {{"<" .. proxy .. ">", SMFIR_CONTINUE}})
    message(reply_headers, reply_body)
    expect_reply(SMFIR_REPLYCODE, "end of message")
    check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.3.0",
                       "Temporary failure storing the message; try again later"),
          "no 451 4.3.0 reply")
    check(not mt.eom_check(conn, MT_RCPTDELETE, "<" .. proxy .. ">"),
          "the proxy recipient was deleted")
    mt.disconnect(conn)
elseif case == "toobig" then
    -- Larger than capture_size_limit: 552 5.3.4 before it is parsed.
    envelope("<contact@building.example>", {{"<" .. proxy .. ">", SMFIR_CONTINUE}})
    headers(reply_headers)
    check(mt.eoh(conn) == nil, "eoh failed")
    expect_reply(SMFIR_CONTINUE, "end of headers")
    -- Body chunks of 36 KiB (the milter protocol carries at most 64 KiB
    -- a packet): the second passes the 64 KiB limit of the test config.
    local chunk = string.rep("0123456789abcdef\r\n", 2048)
    check(mt.bodystring(conn, chunk) == nil, "body failed")
    expect_reply(SMFIR_CONTINUE, "first body chunk")
    check(mt.bodystring(conn, chunk) == nil, "body failed")
    expect_reply(SMFIR_REPLYCODE, "oversized body")
    mt.disconnect(conn)
elseif case == "toobighdr" then
    -- Headers alone past capture_size_limit: header callbacks give no
    -- reply that could refuse (SMFIP_NR_HDR), so 552 5.3.4 comes at the
    -- end of the headers.
    envelope("<contact@building.example>", {{"<" .. proxy .. ">", SMFIR_CONTINUE}})
    local long = {}
    for i = 1, 100 do       -- 100 x 850 bytes: miltertest overflows on 1 KiB
        table.insert(long, {"X-Filler-" .. i, string.rep("0123456789abcdef ", 50)})
    end
    headers(long)
    check(mt.eoh(conn) == nil, "eoh failed")
    expect_reply(SMFIR_REPLYCODE, "end of oversized headers")
    mt.disconnect(conn)
elseif case == "null" then
    -- A delivery report from the null sender to PM_RCPT (a proxy address,
    -- with or without a bounce tag): accepted, the recipient deleted, the
    -- message discarded; the driver checks whether it was captured.
    local rcpts = {}
    for r in string.gmatch(os.getenv("PM_RCPT"), "[^ ]+") do
        table.insert(rcpts, {"<" .. r .. ">", SMFIR_CONTINUE})
    end
    envelope("<>", rcpts)
    message({{"From", "Mail Delivery System <MAILER-DAEMON@mx.building.example>"},
             {"To", rcpts[1][1]},
             {"Subject", "Undelivered Mail Returned to Sender"},
             {"Message-ID", "<" .. msgid .. ">"},
             {"MIME-Version", "1.0"},
             {"Content-Type", "text/plain; charset=utf-8"}},
            "I'm sorry to have to inform you that your message could not\r\n" ..
            "be delivered to one or more recipients.\r\n")
    expect_reply(SMFIR_DISCARD, "end of message")
    check(mt.eom_check(conn, MT_RCPTDELETE, rcpts[1][1]),
          "the proxy recipient was not deleted")
    mt.disconnect(conn)
elseif case == "passthrough" then
    -- No proxy recipient and no internal header: accepted at the end of
    -- the headers, body never read.
    envelope("<a@sender.example>", {{"<b@other.example>", SMFIR_CONTINUE}})
    headers({{"From", "a@sender.example"}, {"Subject", "hello"}})
    check(mt.eoh(conn) == nil, "eoh failed")
    expect_reply(SMFIR_ACCEPT, "end of headers")
    mt.disconnect(conn)
elseif case == "internal" then
    -- No proxy recipient, but internal headers from outside: removed.
    envelope("<a@sender.example>", {{"<b@other.example>", SMFIR_CONTINUE}})
    message({{"From", "a@sender.example"},
             {"X-Postmask-Conversation", "CH11111111111111111111111111111111"},
             {"x-postmask-origin", "email"}}, "hi\r\n", SMFIR_SKIP)
    expect_reply(SMFIR_CONTINUE, "end of message")
    check(mt.eom_check(conn, MT_HDRDELETE, "X-Postmask-Conversation"),
          "X-Postmask-Conversation not removed")
    check(mt.eom_check(conn, MT_HDRDELETE, "x-postmask-origin"),
          "x-postmask-origin not removed")
    mt.disconnect(conn)
else
    error("unknown case " .. tostring(case))
end
