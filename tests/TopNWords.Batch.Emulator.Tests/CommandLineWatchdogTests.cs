using System.Diagnostics;
using System.Globalization;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests;

/// <summary>The emulator (running the local compute) killed with SIGKILL takes its task processes with it.</summary>
public partial class CommandLineTests
{
    [Test]
    public async Task KilledWithSigkill_TheProcessesOfItsTasksDieWithIt()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            Assert.Ignore("The watchdog of task processes is Linux-only (it needs setsid and /proc to check).");
        }

        string taskPidFile = Path.Combine(_folder, "task.pid");
        string childPidFile = Path.Combine(_folder, "child.pid");
        using var process = Start([(KeyVariable, EmulatorHarness.Key)], "--port", "0", "--working-directory", Path.Combine(_folder, "nodes"));
        int taskPid;
        int childPid;
        int group;
        try
        {
            Uri baseUri = await ReadListeningLineAsync(process);
            var client = new BatchRestClient(baseUri, new BatchSharedKeyCredential(BatchEmulatorOptions.DefaultAccountName, EmulatorHarness.Key), EmulatorHarness.NewClientOptions());
            await client.CreatePoolAsync(new BatchPoolCreateContent
            {
                Id = "orphan-pool",
                VmSize = "STANDARD_D2S_V3",
                VirtualMachineConfiguration = new BatchVirtualMachineConfiguration
                {
                    ImageReference = new BatchImageReference { Publisher = "canonical", Offer = "ubuntu-24_04-lts", Sku = "server" },
                    NodeAgentSkuId = "batch.node.ubuntu 24.04",
                },
                TargetDedicatedNodes = 1,
            });
            await client.CreateJobAsync(new BatchJobCreateContent { Id = "orphan-job", PoolInfo = new BatchPoolInfo { PoolId = "orphan-pool" } });
            string script = $"sleep 300 & echo $! > '{childPidFile}.tmp'; mv '{childPidFile}.tmp' '{childPidFile}'; echo $$ > '{taskPidFile}.tmp'; mv '{taskPidFile}.tmp' '{taskPidFile}'; wait";
            await client.CreateTaskAsync("orphan-job", new BatchTaskCreateContent { Id = "sleeper", CommandLine = "/bin/sh -c " + BatchCommandLine.Quote(script) });
            await Wait.UntilAsync(() => Task.FromResult(File.Exists(taskPidFile)), () => "the task did not write its pid");
            taskPid = ReadPid(taskPidFile);
            childPid = ReadPid(childPidFile);
            group = ProcessGroupOf(taskPid);
            Assert.That(IsAlive(taskPid) && IsAlive(childPid), Is.True, "the task and its child run");
        }
        catch
        {
            Kill(process);
            throw;
        }

        process.Kill(entireProcessTree: false); // SIGKILL to the emulator alone: nothing of it runs, not even a finally
        await process.WaitForExitAsync();
        try
        {
            await Wait.UntilAsync(() => Task.FromResult(!IsAlive(taskPid) && !IsAlive(childPid) && !GroupHasMembers(group)), () => $"the task's processes ({taskPid}, {childPid}, group {group}) outlived the killed emulator");
        }
        finally
        {
            foreach (int pid in GroupMembers(group).Concat([taskPid, childPid]).Distinct())
            {
                if (IsAlive(pid))
                {
                    try
                    {
                        using var orphan = Process.GetProcessById(pid);
                        orphan.Kill(); // only when the test failed: what it started goes
                    }
                    catch (ArgumentException)
                    {
                        // it ended meanwhile
                    }
                }
            }
        }
    }

    private static int ReadPid(string path) => int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Whether a process runs (a zombie, dead but not reaped, counts as gone).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The process group of a process, from <c>/proc/&lt;pid&gt;/stat</c> (the fifth field).</summary>
    private static int ProcessGroupOf(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[2], CultureInfo.InvariantCulture); // state, ppid, pgrp
    }

    private static bool GroupHasMembers(int group) => GroupMembers(group).Count > 0;

    /// <summary>The live processes of a process group (the test started the group: its tasks, their children and their watchdog).</summary>
    private static List<int> GroupMembers(int group)
    {
        var members = new List<int>();
        foreach (string folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && IsAlive(pid))
            {
                try
                {
                    if (ProcessGroupOf(pid) == group)
                    {
                        members.Add(pid);
                    }
                }
                catch (IOException)
                {
                    // it ended meanwhile
                }
            }
        }

        return members;
    }
}
