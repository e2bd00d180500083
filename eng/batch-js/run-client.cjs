// Runs the official Azure Batch SDK for JavaScript (@azure/batch, pinned in package.json) unchanged against a
// Batch endpoint — the emulator in the tests — through the operations an operator or another SDK uses.
//
// Input, from the environment only (no secret on the command line):
//   TOPNWORDS_BATCH_URL          the account endpoint, e.g. http://127.0.0.1:5000
//   TOPNWORDS_BATCH_ACCOUNT      the account name
//   TOPNWORDS_BATCH_EMULATOR_KEY the account key (base64)
//   TOPNWORDS_BATCH_PREFIX       a prefix for the ids this run creates (default "js")
// Output: one line per check, "ok <name>" or "FAIL <name>: <why>", then "checks: N ok, N failed".
// Exit code: 0 when every check passed, 1 when one failed, 2 on bad input.
"use strict";

const batch = require("@azure/batch");

const url = process.env.TOPNWORDS_BATCH_URL;
const account = process.env.TOPNWORDS_BATCH_ACCOUNT;
const key = process.env.TOPNWORDS_BATCH_EMULATOR_KEY;
const prefix = process.env.TOPNWORDS_BATCH_PREFIX || "js";
if (!url || !account || !key) {
  console.error("Set TOPNWORDS_BATCH_URL, TOPNWORDS_BATCH_ACCOUNT and TOPNWORDS_BATCH_EMULATOR_KEY.");
  process.exit(2);
}

const client = new batch.BatchServiceClient(new batch.BatchSharedKeyCredentials(account, key), url);

const poolId = `${prefix}-pool`;
const jobId = `${prefix}-job`;
let passed = 0;
let failed = 0;

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok ${name}`);
    return true;
  } catch (err) {
    failed++;
    const detail = err && err.code ? ` [${err.statusCode} ${err.code}]` : "";
    const serviceMessage = err && err.body && err.body.message && err.body.message.value;
    const message = serviceMessage || (err && typeof err.message === "string" && err.message ? err.message : `HTTP ${err && err.statusCode}`);
    console.log(`FAIL ${name}: ${message.split("\n")[0]}${detail}`);
    return false;
  }
}

// The error a call fails with: the service's status code and error code, as the SDK reports them.
async function errorOf(call) {
  try {
    await call();
  } catch (err) {
    return { status: err.statusCode, code: err.code };
  }
  return { status: undefined, code: "(no error)" };
}

async function until(what, condition, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await condition();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Every item of a list, following odata.nextLink with the SDK's listNext.
async function all(first, next) {
  const items = [];
  let page = await first();
  items.push(...page);
  while (page.odatanextLink) {
    page = await next(page.odatanextLink);
    items.push(...page);
  }
  return items;
}

async function streamText(response) {
  const chunks = [];
  for await (const chunk of response.readableStreamBody) {
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function main() {
  await check("pool.add with metadata", () =>
    client.pool.add({
      id: poolId,
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: {
        imageReference: { publisher: "canonical", offer: "ubuntu-24_04-lts", sku: "server" },
        nodeAgentSKUId: "batch.node.ubuntu 24.04",
      },
      targetDedicatedNodes: 2,
      taskSlotsPerNode: 1,
      metadata: [{ name: "owner", value: prefix }],
    }));

  await check("pool.get", async () => {
    const pool = await client.pool.get(poolId);
    assert(pool.id === poolId, `id ${pool.id}`);
    assert(pool.targetDedicatedNodes === 2, `targetDedicatedNodes ${pool.targetDedicatedNodes}`);
    assert((pool.metadata || []).some((m) => m.name === "owner" && m.value === prefix), `metadata ${JSON.stringify(pool.metadata)}`);
  });

  await check("pool.exists", async () => {
    assert((await client.pool.exists(poolId)).body === true, "the pool does not exist");
    assert((await client.pool.exists(`${prefix}-none`)).body === false, "a missing pool exists");
  });

  await check("pool.list filtered", async () => {
    const pools = await all(() => client.pool.list({ poolListOptions: { filter: `id eq '${poolId}'`, maxResults: 1 } }), (link) => client.pool.listNext(link));
    assert(pools.length === 1 && pools[0].id === poolId, `pools ${pools.map((p) => p.id)}`);
  });

  await check("pool.patch metadata", async () => {
    await client.pool.patch(poolId, { metadata: [{ name: "owner", value: prefix }, { name: "stage", value: "patched" }] });
    const pool = await client.pool.get(poolId);
    assert((pool.metadata || []).some((m) => m.name === "stage" && m.value === "patched"), `metadata ${JSON.stringify(pool.metadata)}`);
  });

  let nodes = [];
  await check("computeNode.list until idle", async () => {
    nodes = await until("2 idle nodes", async () => {
      const list = await all(() => client.computeNode.list(poolId), (link) => client.computeNode.listNext(link));
      return list.length === 2 && list.every((n) => n.state === "idle") ? list : null;
    });
  });

  await check("computeNode.get", async () => {
    assert(nodes.length > 0, "no node");
    const node = await client.computeNode.get(poolId, nodes[0].id);
    assert(node.id === nodes[0].id && node.state === "idle", `node ${node.id} ${node.state}`);
  });

  await check("account.listPoolNodeCounts", async () => {
    const counts = await all(() => client.account.listPoolNodeCounts(), (link) => client.account.listPoolNodeCountsNext(link));
    const mine = counts.find((c) => c.poolId === poolId);
    assert(mine && mine.dedicated && mine.dedicated.total === 2, `counts ${JSON.stringify(mine)}`);
  });

  await check("job.add with metadata", () =>
    client.job.add({ id: jobId, poolInfo: { poolId }, metadata: [{ name: "owner", value: prefix }] }));

  await check("job.list filtered", async () => {
    const jobs = await all(() => client.job.list({ jobListOptions: { filter: `id eq '${jobId}'` } }), (link) => client.job.listNext(link));
    assert(jobs.length === 1 && jobs[0].id === jobId, `jobs ${jobs.map((j) => j.id)}`);
    assert((jobs[0].metadata || []).some((m) => m.name === "owner"), `metadata ${JSON.stringify(jobs[0].metadata)}`);
  });

  await check("task.add", () => client.task.add(jobId, { id: "one", commandLine: "/bin/sh -c 'echo hello from one'" }));

  await check("task.addCollection", async () => {
    const result = await client.task.addCollection(jobId, [
      { id: "two", commandLine: "/bin/sh -c 'echo two'" },
      { id: "three", commandLine: "/bin/sh -c 'exit 3'" },
      { id: "sleeper", commandLine: "/bin/sh -c 'sleep 600'" },
    ]);
    const statuses = result.value.map((r) => `${r.taskId}:${r.status}`);
    assert(result.value.length === 3 && result.value.every((r) => r.status === "success"), `results ${statuses}`);
  });

  await check("task.add duplicate is TaskExists", async () => {
    const error = await errorOf(() => client.task.add(jobId, { id: "one", commandLine: "/bin/true" }));
    assert(error.status === 409 && error.code === "TaskExists", `got ${error.status} ${error.code}`);
  });

  await check("task.terminate", async () => {
    await until("the sleeper running", async () => (await client.task.get(jobId, "sleeper")).state === "running");
    await client.task.terminate(jobId, "sleeper");
    const task = await until("the sleeper completed", async () => {
      const t = await client.task.get(jobId, "sleeper");
      return t.state === "completed" ? t : null;
    });
    assert(task.executionInfo && task.executionInfo.result === "failure", `result ${task.executionInfo && task.executionInfo.result}`);
  });

  await check("task.list until completed", () =>
    until("4 completed tasks", async () => {
      const tasks = await all(() => client.task.list(jobId), (link) => client.task.listNext(link));
      return tasks.length === 4 && tasks.every((t) => t.state === "completed");
    }));

  await check("task.list filtered", async () => {
    const failedTasks = await all(
      () => client.task.list(jobId, { taskListOptions: { filter: "executionInfo/result eq 'failure'", select: "id,executionInfo" } }),
      (link) => client.task.listNext(link));
    const ids = failedTasks.map((t) => t.id).sort();
    assert(ids.join(",") === "sleeper,three", `ids ${ids}`);
  });

  await check("job.getTaskCounts", async () => {
    const result = await client.job.getTaskCounts(jobId);
    const counts = result.taskCounts;
    assert(counts.completed === 4 && counts.succeeded === 2 && counts.failed === 2 && counts.active === 0 && counts.running === 0,
      `counts ${JSON.stringify(counts)}`);
  });

  await check("task.get", async () => {
    const task = await client.task.get(jobId, "three");
    assert(task.state === "completed" && task.executionInfo.exitCode === 3, `task ${task.state} ${task.executionInfo && task.executionInfo.exitCode}`);
  });

  await check("file.listFromTask", async () => {
    const files = await all(() => client.file.listFromTask(jobId, "one", { recursive: true }), (link) => client.file.listFromTaskNext(link));
    const names = files.map((f) => f.name);
    assert(names.includes("stdout.txt") && names.includes("stderr.txt"), `names ${names}`);
  });

  await check("file.getFromTask", async () => {
    const text = await streamText(await client.file.getFromTask(jobId, "one", "stdout.txt"));
    assert(text === "hello from one\n", `stdout ${JSON.stringify(text)}`);
  });

  await check("file.getPropertiesFromTask", async () => {
    const properties = await client.file.getPropertiesFromTask(jobId, "one", "stdout.txt");
    assert(properties.contentLength === "hello from one\n".length, `length ${properties.contentLength}`);
  });

  await check("file.listFromComputeNode", async () => {
    const task = await client.task.get(jobId, "one");
    const files = await all(
      () => client.file.listFromComputeNode(poolId, task.nodeInfo.nodeId, { recursive: false }),
      (link) => client.file.listFromComputeNodeNext(link));
    assert(files.length > 0, "no files on the node");
  });

  await check("errors: PoolNotFound, JobNotFound, TaskNotFound", async () => {
    const pool = await errorOf(() => client.pool.get(`${prefix}-none`));
    const job = await errorOf(() => client.job.get(`${prefix}-none`));
    const task = await errorOf(() => client.task.get(jobId, "none"));
    assert(pool.status === 404 && pool.code === "PoolNotFound", `pool ${pool.status} ${pool.code}`);
    assert(job.status === 404 && job.code === "JobNotFound", `job ${job.status} ${job.code}`);
    assert(task.status === 404 && task.code === "TaskNotFound", `task ${task.status} ${task.code}`);
  });

  await check("task.deleteMethod", async () => {
    await client.task.deleteMethod(jobId, "two");
    const error = await errorOf(() => client.task.get(jobId, "two"));
    assert(error.code === "TaskNotFound", `after delete ${error.status} ${error.code}`);
  });

  await check("job.deleteMethod", async () => {
    await client.job.deleteMethod(jobId);
    await until("the job gone", async () => (await errorOf(() => client.job.get(jobId))).code === "JobNotFound");
  });

  await check("pool.deleteMethod", async () => {
    await client.pool.deleteMethod(poolId);
    await until("the pool gone", async () => (await client.pool.exists(poolId)).body === false);
  });

  console.log(`checks: ${passed} ok, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log(`FAIL run: ${err && err.message}`);
    process.exit(1);
  });
