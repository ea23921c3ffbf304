//! Charts as SVG, drawn on the server with `plotters` (its SVG backend, into a string): a title,
//! axes with units, a legend. The page puts each in a `<figure>` with the same numbers as a
//! table beside it, so nothing depends on reading the picture or telling its colours apart.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Drawing size in SVG units; CSS scales it to the column.
const SIZE: (u32, u32) = (720, 360);

/// Series colours, dark enough for WCAG AA contrast against white (3:1 for graphics).
pub const BLUE: RGBColor = RGBColor(0x0b, 0x4f, 0x8a);
pub const RED: RGBColor = RGBColor(0xa1, 0x15, 0x1b);
pub const GREEN: RGBColor = RGBColor(0x17, 0x60, 0x2c);
pub const AMBER: RGBColor = RGBColor(0x8a, 0x5a, 0x00);

/// A series of a bar chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: RGBColor,
    pub values: Vec<f64>,
}

/// Why a chart could not be drawn (logged; the table is still shown).
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

/// Adds the accessible name: the picture is labelled by its title; the table carries the data.
fn labelled(svg: String, title: &str) -> String {
    let title = title.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
    svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{title}\" "), 1)
}

/// A linear axis ticked exactly at `points` (plotters' own `WithKeyPoints` has no label
/// formatter over `f64`; every axis here formats its own labels).
#[derive(Debug, Clone)]
struct Ticks {
    range: std::ops::Range<f64>,
    points: Vec<f64>,
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.range.clone()).map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // The light mesh lines are the ticks too; there are no others.
        let _ = hint;
        self.points.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

fn ticks(range: std::ops::Range<f64>, points: Vec<f64>) -> Ticks {
    Ticks { range, points }
}

/// The category axis: `n` slots of width one from 0 to `n`, each labelled at its centre, so
/// that the bars fill the axis (no empty slot at its end) and every label sits under its bar.
/// With many slots only every `step`-th is labelled, at most `most` of them.
fn slots(n: usize, most: usize) -> Ticks {
    let step = n.div_ceil(most.max(1)).max(1);
    ticks(0f64..n.max(1) as f64, (0..n).step_by(step).map(|i| i as f64 + 0.5).collect())
}

/// The label of the slot whose centre is at `v`; slots count up from the axis origin, or down
/// from its far end when `reversed` (a horizontal chart lists its first label at the top).
fn slot_label(labels: &[String], v: f64, reversed: bool) -> String {
    let at = (v - 0.5).round();
    if at < 0.0 {
        return String::new();
    }
    let at = at as usize;
    let i = if reversed { labels.len().checked_sub(at + 1) } else { Some(at) };
    i.and_then(|i| labels.get(i)).cloned().unwrap_or_default()
}

/// A value axis from zero to a little above `max`; counts tick at whole numbers only.
fn values(max: f64, counts: bool) -> Ticks {
    if counts {
        let top = (max.ceil() as u64).max(1);
        // A whole step that gives at most ten ticks: 1, 2, 5, 10, 20, 50, …
        let step = [1u64, 2, 5]
            .iter()
            .flat_map(|m| (0..12).map(move |e| m * 10u64.pow(e)))
            .filter(|s| top / s <= 10)
            .min()
            .unwrap_or(1);
        let top = top.div_ceil(step) * step;
        let points = (0..=top).step_by(usize::try_from(step).unwrap_or(1)).map(|t| t as f64).collect();
        ticks(0f64..top as f64 + step as f64 * 0.1, points)
    } else {
        let top = max.max(1e-9) * 1.1;
        ticks(0f64..top, nice_ticks(top))
    }
}

/// Round ticks from zero up to `top`: about five or six, at 1, 2 or 5 times a power of ten.
fn nice_ticks(top: f64) -> Vec<f64> {
    let raw = top / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(power * 10.0);
    (0..).map(|k| f64::from(k) * step).take_while(|t| *t <= top).collect()
}

/// A number as a tick label: whole numbers without decimals, others with as few as they need.
fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The chart's title across the top and its legend on a row of its own beneath, outside the
/// plot so that it never covers a bar; returns the area left for the plot.
fn frame<'b>(
    root: &DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    legend: &[(String, RGBColor, bool)],
) -> Result<DrawingArea<SVGBackend<'b>, Shift>, ChartError> {
    root.fill(&WHITE).map_err(err)?;
    let below = root.titled(title, ("sans-serif", 18)).map_err(err)?;
    let (row, plot) = below.split_vertically(26);
    let mut x = 70;
    for (name, colour, line) in legend {
        if *line {
            row.draw(&PathElement::new([(x, 12), (x + 14, 12)], colour.stroke_width(3))).map_err(err)?;
        } else {
            row.draw(&Rectangle::new([(x, 6), (x + 12, 18)], colour.filled())).map_err(err)?;
        }
        row.draw(&Text::new(name.clone(), (x + 18, 5), ("sans-serif", 14))).map_err(err)?;
        x += 30 + i32::try_from(name.chars().count() * 7).unwrap_or(200);
    }
    Ok(plot)
}

type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticks, Ticks>>;

/// Labelled slots along x (months, or categories), amounts or counts up y; mesh drawn.
#[allow(clippy::too_many_arguments)] // one call per kind of chart, each naming every part
fn slot_axes<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    labels: &[String],
    max: f64,
    counts: bool,
    x_desc: &str,
    y_desc: &str,
    y_format: &dyn Fn(&f64) -> String,
) -> Result<Plot<'a, 'b>, ChartError> {
    let n = labels.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(slots(n, 12), values(max, counts))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_formatter(&|v| slot_label(labels, *v, false))
        .y_label_formatter(y_format)
        .y_desc(y_desc)
        .x_desc(x_desc)
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// What runs along a bar chart's x axis, and what its bars measure.
#[derive(Debug, Clone, Copy)]
pub struct Axes<'s> {
    /// What the slots along x are ("Month (UTC)", "Category").
    pub x: &'s str,
    /// What the bars measure, with its unit ("EUR million", "Requests (count)").
    pub y: &'s str,
    /// The bars count things: whole-number ticks only.
    pub counts: bool,
}

/// Vertical bars, the series stacked, one bar per label.
pub fn stacked_bars(title: &str, labels: &[String], series: &[Series], axes: Axes<'_>) -> Result<String, ChartError> {
    let n = labels.len();
    let max =
        (0..n).map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0)).sum::<f64>()).fold(0.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let legend: Vec<_> = series.iter().map(|s| (s.name.clone(), s.colour, false)).collect();
        let plot = frame(&root, title, &legend)?;
        let mut chart = slot_axes(&plot, labels, max, axes.counts, axes.x, axes.y, &|v| tick(*v))?;
        let mut base = vec![0f64; n];
        for s in series {
            let colour = s.colour;
            let bars: Vec<_> = (0..n)
                .filter_map(|i| {
                    let v = s.values.get(i).copied().unwrap_or(0.0);
                    let x = i as f64;
                    let r = (v > 0.0)
                        .then(|| Rectangle::new([(x + 0.1, base[i]), (x + 0.9, base[i] + v)], colour.filled()));
                    base[i] += v;
                    r
                })
                .collect();
            chart.draw_series(bars).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(labelled(svg, title))
}

/// Horizontal bars, one per label, the first label at the top.
pub fn horizontal_bars(
    title: &str,
    labels: &[String],
    values_: &[f64],
    x_desc: &str,
    colour: RGBColor,
) -> Result<String, ChartError> {
    let n = labels.len().max(1);
    let max = values_.iter().copied().fold(0.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let plot = frame(&root, title, &[(x_desc.to_owned(), colour, false)])?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d(values(max, false), slots(n, n))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_label_formatter(&|v| slot_label(labels, *v, true))
            .x_label_formatter(&|v| tick(*v))
            .x_desc(x_desc)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(values_.iter().enumerate().map(|(i, v)| {
                let y = (n - 1 - i) as f64;
                Rectangle::new([(0.0, y + 0.15), (*v, y + 0.85)], colour.filled())
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(labelled(svg, title))
}

/// A line of percentages over labelled points (months).
pub fn percent_line(title: &str, labels: &[String], values_: &[f64], series: &str) -> Result<String, ChartError> {
    let max = values_.iter().copied().fold(0.0, f64::max).clamp(10.0, 100.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let plot = frame(&root, title, &[(series.to_owned(), RED, true)])?;
        let mut chart =
            slot_axes(&plot, labels, max, false, "Month (UTC)", "Share of the month's support (%)", &|v| {
                format!("{} %", tick(*v))
            })?;
        let points: Vec<_> = values_.iter().enumerate().map(|(i, v)| (i as f64 + 0.5, *v)).collect();
        chart.draw_series(LineSeries::new(points.clone(), RED.stroke_width(3))).map_err(err)?;
        // Markers too, so single months and the line's points are visible without colour.
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, RED.filled()))).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(labelled(svg, title))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MONTHS: Axes<'static> = Axes { x: "Month (UTC)", y: "EUR million", counts: false };

    /// The texts of the SVG's `<text>` elements, in order.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|t| t.split('>').nth(1).unwrap().split('<').next().unwrap().trim().to_owned())
            .collect()
    }

    #[test]
    fn charts_are_svg_with_a_title_axes_and_a_legend() {
        let labels = vec!["2024-01".to_owned(), "2024-02".to_owned()];
        let svg = stacked_bars(
            "Support by month",
            &labels,
            &[
                Series { name: "lethal".into(), colour: RED, values: vec![1.0, 2.0] },
                Series { name: "non-lethal".into(), colour: BLUE, values: vec![0.5, 0.25] },
            ],
            MONTHS,
        )
        .unwrap();
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"Support by month\""), "{}", &svg[..80]);
        for text in ["Support by month", "EUR million", "Month (UTC)", "lethal", "non-lethal", "2024-02"] {
            assert!(svg.contains(text), "{text} is drawn");
        }
        assert!(!svg.contains("style="), "no inline styles: the CSP forbids them");
        let h = horizontal_bars("Top donors", &labels, &[3.0, 1.0], "EUR million", BLUE).unwrap();
        assert!(h.contains("Top donors") && h.contains("EUR million"));
        let l = percent_line("Long-range share", &labels, &[10.0, 20.0], "long-range share").unwrap();
        assert!(l.contains("long-range share") && l.contains('%'));
    }

    #[test]
    fn a_count_axis_ticks_at_whole_numbers_and_every_category_is_labelled_once() {
        let labels: Vec<String> = ["ammunition", "air defence", "demining"].map(String::from).to_vec();
        let axes = Axes { x: "Category", y: "Requests (count)", counts: true };
        let svg = stacked_bars(
            "Requests",
            &labels,
            &[Series { name: "open".into(), colour: RED, values: vec![1.0, 3.0, 0.0] }],
            axes,
        )
        .unwrap();
        let t = texts(&svg);
        assert!(t.contains(&"Category".to_owned()) && !svg.contains("Month (UTC)"), "{t:?}");
        for l in &labels {
            assert_eq!(t.iter().filter(|x| *x == l).count(), 1, "{l}: {t:?}");
        }
        let numbers: Vec<f64> = t.iter().filter_map(|x| x.parse().ok()).collect();
        assert_eq!(numbers, [0.0, 1.0, 2.0, 3.0], "whole ticks: {t:?}");
        for big in [7.0, 23.0, 140.0] {
            let svg = stacked_bars("R", &labels, &[Series { name: "o".into(), colour: RED, values: vec![big] }], axes)
                .unwrap();
            let n: Vec<f64> = texts(&svg).iter().filter_map(|x| x.parse().ok()).collect();
            assert!(n.iter().all(|v| v.fract() == 0.0) && n.len() >= 2 && n.last() >= Some(&big), "{big}: {n:?}");
        }
    }

    #[test]
    fn horizontal_bars_fill_the_axis_and_the_legend_is_outside_the_plot() {
        let labels: Vec<String> = ["Germany", "France"].map(String::from).to_vec();
        let svg = horizontal_bars("Top donors", &labels, &[3.0, 1.0], "EUR million", GREEN).unwrap();
        // Bars are the filled rects in the colour; the first (largest) is at the top.
        let bars: Vec<(f64, f64, f64)> = svg
            .split("<rect")
            .skip(1)
            .filter(|r| r.split('>').next().unwrap().to_ascii_lowercase().contains("#17602c"))
            .map(|r| {
                let attr = |a: &str| -> f64 {
                    r.split(&format!(" {a}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
                };
                (attr("y"), attr("width"), attr("height"))
            })
            .collect();
        // The legend's sample, then the two bars.
        assert_eq!(bars.len(), 3, "{bars:?}");
        let (legend, first, second) = (bars[0], bars[1], bars[2]);
        assert!(legend.0 < first.0 && legend.0 < second.0, "the legend is above the bars: {bars:?}");
        assert!(first.1 > second.1 && first.0 < second.0, "the larger first, at the top: {bars:?}");
        // No empty slot: the axis is exactly as long as the bars it holds, labelled at their centres.
        let axis = slots(labels.len(), 12);
        assert_eq!(axis.range(), 0.0..2.0);
        assert_eq!(axis.key_points(12), [0.5, 1.5]);
        assert_eq!(slot_label(&labels, 1.5, true), "Germany");
        assert_eq!(slot_label(&labels, 0.5, true), "France");
    }
}
