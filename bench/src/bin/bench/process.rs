//! A server process of the benchmark, pinned to a CPU: starting it, its
//! memory and CPU time, and the command lines that pin a program.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A server process, pinned to CPU 1, killed at the end.
pub struct Server {
    pub name: &'static str,
    pub child: Child,
}

impl Server {
    pub fn start(name: &'static str, program: &Path, args: &[&str]) -> Self {
        let mut command = pinned(1, program);
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({}): {e}", program.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(!line.is_empty(), "{name} did not start");
        Self { name, child }
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    pub fn peak_memory_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    /// The CPU time its threads have had so far: in microseconds (from
    /// each thread's `schedstat`, in nanoseconds), and the clock ticks of it
    /// spent in user space and in the kernel (from the process's `stat`),
    /// which tell how it splits.
    pub fn cpu_time(&self) -> CpuTime {
        let pid = self.child.id();
        let us = std::fs::read_dir(format!("/proc/{pid}/task")).map_or(f64::NAN, |threads| {
            threads
                .filter_map(Result::ok)
                .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
                .filter_map(|s| s.split_whitespace().next()?.parse::<f64>().ok())
                .sum::<f64>()
                / 1000.0
        });
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let (user_ticks, kernel_ticks) = user_and_kernel_ticks(&stat);
        CpuTime {
            us,
            user_ticks,
            kernel_ticks,
        }
    }
}

/// A process's user and system clock ticks (utime, stime) from its
/// `/proc/PID/stat`: the 12th and 13th fields after the command's name,
/// which may hold spaces and ends at the last ')'. NaN where missing.
fn user_and_kernel_ticks(stat: &str) -> (f64, f64) {
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .unwrap_or(f64::NAN)
    };
    (field(11), field(12))
}

/// A server's CPU time so far (see [`Server::cpu_time`]).
#[derive(Clone, Copy)]
pub struct CpuTime {
    pub us: f64,
    pub user_ticks: f64,
    pub kernel_ticks: f64,
}

impl CpuTime {
    /// The CPU time from `earlier` to this one, in microseconds, and the
    /// microseconds of it spent in the kernel.
    pub fn since(&self, earlier: &CpuTime) -> (f64, f64) {
        let us = self.us - earlier.us;
        let user = self.user_ticks - earlier.user_ticks;
        let kernel = self.kernel_ticks - earlier.kernel_ticks;
        (us, us * kernel / (user + kernel))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether programs are pinned to a CPU: with `taskset`, on more than one.
fn can_pin() -> bool {
    which("taskset") && std::thread::available_parallelism().map_or(1, |n| n.get()) > 1
}

pub fn pinned(cpu: usize, program: &Path) -> Command {
    if can_pin() {
        let mut command = Command::new("taskset");
        command.arg("-c").arg(cpu.to_string()).arg(program);
        command
    } else {
        Command::new(program)
    }
}

pub fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `program` and its arguments as one command line, pinned to `cpu`.
pub fn pinned_argv(cpu: usize, program: &Path, args: &[&str]) -> Vec<String> {
    let mut argv = Vec::new();
    if can_pin() {
        argv.extend(["taskset".to_owned(), "-c".to_owned(), cpu.to_string()]);
    }
    argv.push(program.display().to_string());
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    argv
}

#[cfg(test)]
mod tests {
    use super::{CpuTime, user_and_kernel_ticks};

    #[test]
    fn the_ticks_are_read_past_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 \
                    120 380 0 0 20 0 3 0 100 1000000 500 18446744073709551615";
        assert_eq!(user_and_kernel_ticks(stat), (120.0, 380.0));
        let (user, kernel) = user_and_kernel_ticks("");
        assert!(user.is_nan() && kernel.is_nan());
    }

    #[test]
    fn the_kernel_part_splits_the_time_as_the_ticks_split() {
        let before = CpuTime {
            us: 1000.0,
            user_ticks: 10.0,
            kernel_ticks: 20.0,
        };
        let after = CpuTime {
            us: 5000.0,
            user_ticks: 20.0,
            kernel_ticks: 50.0,
        };
        assert_eq!(after.since(&before), (4000.0, 3000.0));
    }
}
