// Which CPUs redundancyd's and the agents' threads run on.
//
// Idle, nearly all of their CPU went to waking each other across CPUs: on
// this project's 2-vCPU VM one heartbeat exchange between two processes
// costs about 3 ms of CPU when the wake-ups cross CPUs and 0.2 ms when they
// stay on one (an interrupt between virtual CPUs is expensive). So the
// threads that wait (event loops, ZeroMQ's, timers) share one CPU, while
// the threads that work (an agent's checks) and every process started
// (git, npm, PM2's daemon and so the site's apps, custom checks) get back
// all the CPUs the process was given.
#pragma once

namespace redundancy::process {

// First thing in main, before any thread starts: this process and the
// threads it starts later run on the lowest CPU it may use. Nothing changes
// on a single-CPU machine or when the CPUs cannot be read.
void KeepOnOneCpu();

// The calling thread (a worker) runs on every CPU the process was given again.
void UseAllCpus();

}  // namespace redundancy::process
