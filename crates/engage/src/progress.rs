//! Progress bars for long operator commands (hidden when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar counting events towards `total`, with rate and ETA.
pub fn events_bar(total: u64, verb: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = format!(
        "{verb} {{bar:40.cyan/blue}} {{human_pos}}/{{human_len}} events  {{per_sec}}  eta {{eta}}"
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
