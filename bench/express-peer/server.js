// SPDX-License-Identifier: Apache-2.0
// The Express peer of bench/webhook_intake.sh: the Twilio Conversations
// webhook handler a user would otherwise write, as issue 13 describes it.
// Node 20 + Express 4 + express.urlencoded + the twilio SDK's
// validateRequest; each onMessageAdded is written as a job file into a
// spool directory with write + fsync + close + rename (one fsync per
// request, no directory fsync), then answered 200.  An invalid
// X-Twilio-Signature is answered 403 and writes nothing.
//
// Environment: PEER_PORT (listen on 127.0.0.1), PEER_URL (the URL Twilio
// signs, as configured), PEER_TOKEN_FILE (the auth token), PEER_SPOOL (an
// existing directory).  Prints "listening on PORT" once it listens.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const express = require('express');
const twilio = require('twilio');

const port = Number(process.env.PEER_PORT);
const url = process.env.PEER_URL;
const token = fs.readFileSync(process.env.PEER_TOKEN_FILE, 'utf8').trim();
const spool = process.env.PEER_SPOOL;
let seq = 0;

// write + fsync + close + rename: the job is complete under its final name
// or not there at all.
async function writeJob(name, data) {
  const tmp = path.join(spool, `.tmp-${process.pid}-${seq++}`);
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, path.join(spool, name));
}

const app = express();
app.post('/twilio/webhook', express.urlencoded({ extended: false }),
  async (req, res) => {
    const signature = req.get('X-Twilio-Signature') || '';
    if (!twilio.validateRequest(token, signature, url, req.body)) {
      res.status(403).send('forbidden');
      return;
    }
    const p = req.body;
    if (p.EventType !== 'onMessageAdded') {
      res.status(200).json({});
      return;
    }
    if (!/^IM[0-9a-f]{32}$/.test(p.MessageSid || '')
        || !/^CH[0-9a-f]{32}$/.test(p.ConversationSid || '')) {
      res.status(400).send('bad sid');
      return;
    }
    const job = JSON.stringify({ kind: 'message', id: crypto.randomUUID(),
                                 received: Date.now(), event: p });
    try {
      await writeJob(`${p.MessageSid}.json`, job);
      res.status(200).json({});
    } catch (err) {
      console.error(`cannot queue ${p.MessageSid}: ${err.message}`);
      res.status(500).send('spool error');
    }
  });

app.listen(port, '127.0.0.1', function () {
  console.log(`listening on ${this.address().port}`);
});
