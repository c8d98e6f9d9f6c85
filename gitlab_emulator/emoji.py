"""Emoji names as GitLab knows them (TanukiEmoji: Unicode emoji with gemoji alpha codes).

GitLab stores an award under the emoji's own name: an alias such as `+1` is normalised to
`thumbsup` (GL `app/services/award_emojis/base_service.rb` `normalize_name`:
`TanukiEmoji.find_by_alpha_code(name)&.name || name`). The emulator knows a few hundred
common names, not TanukiEmoji's full table; names outside it are refused as unknown.
"""

from __future__ import annotations

import re

# alias -> the name GitLab stores (gemoji aliases carried by TanukiEmoji)
ALIASES = {
    "+1": "thumbsup",
    "-1": "thumbsdown",
    "thumbup": "thumbsup",
    "thumbdown": "thumbsdown",
    "satisfied": "laughing",
    "punch": "facepunch",
    "hand": "raised_hand",
    "poop": "hankey",
    "shit": "hankey",
    "simple_smile": "slight_smile",
    "slightly_smiling_face": "slight_smile",
    "thinking_face": "thinking",
    "hugging_face": "hugging",
    "upside_down_face": "upside_down",
    "robot_face": "robot",
    "party_popper": "tada",
    "heavy_heart_exclamation_mark_ornament": "heart_exclamation",
    "white_frowning_face": "frowning2",
    "raised_hand_with_fingers_splayed": "hand_splayed",
    "sign_of_the_horns": "metal",
    "slightly_frowning_face": "slight_frown",
    "face_with_rolling_eyes": "rolling_eyes",
    "zipper_mouth_face": "zipper_mouth",
    "nerd_face": "nerd",
    "face_with_thermometer": "thermometer_face",
    "lower_left_ballpoint_pen": "pen_ballpoint",
}

_NAMES_TEXT = """
100 1234 8ball a ab abc airplane alarm_clock alien ambulance anchor angel angry anguished ant
apple arrow_down arrow_left arrow_right arrow_up art astonished athletic_shoe b baby balloon
bamboo banana bangbang bank bar_chart baseball basketball bath battery beach bear beer beers
beetle beginner bell bike bird birthday black_circle blue_heart blush boat bomb book bookmark
books boom boot bouquet bow bowling boy bread briefcase broken_heart bug bulb bus busts_in_silhouette
cactus cake calendar calling camel camera candy car card_index cat chart_with_downwards_trend
chart_with_upwards_trend checkered_flag cherries chicken chocolate_bar christmas_tree clap
clipboard clock1 closed_book cloud clown coffee cold_sweat computer confetti_ball confounded
confused construction cookie cool cop copyright corn cow crab credit_card crossed_fingers crown
cry crying_cat_face crystal_ball cupid cyclone dancer dart dash date dizzy dog dollar dolphin door
doughnut dragon dress droplet e-mail ear earth_africa egg eggplant eight email envelope euro
exclamation expressionless eyeglasses eyes face_palm facepunch factory fallen_leaf family
fearful feet ferris_wheel file_folder fire fireworks first_place fish fist flag_white flags
flushed football fork_and_knife four_leaf_clover fox frog frowning frowning2 fuelpump full_moon
game_die gear gem ghost gift gift_heart girl globe_with_meridians grapes green_apple green_heart
grey_exclamation grey_question grimacing grin grinning guitar gun hamburger hammer hamster
hand_splayed handshake hankey hatching_chick headphones hear_no_evil heart heart_exclamation
heart_eyes heartbeat heartpulse hearts heavy_check_mark heavy_minus_sign heavy_plus_sign
helicopter hibiscus high_brightness honey_pot horse hospital hotel hourglass
hourglass_flowing_sand house hugging hushed ice_cream icecream id imp inbox_tray incoming_envelope
information_source innocent interrobang iphone jack_o_lantern japanese_goblin japanese_ogre jeans
joy joy_cat key keyboard kiss kissing kissing_heart koala label ladybug laughing leaves ledger
lemon leopard light_rail link lion lipstick lock lollipop loudspeaker love_letter
mag mag_right mailbox man maple_leaf mask mate medal mega memo metal microphone milky_way
money_with_wings moneybag monkey monkey_face moon mortar_board mountain mouse muscle mushroom
musical_note nail_care nerd neutral_face new no_entry no_entry_sign no_mouth nose notebook
notes nut_and_bolt o ocean octopus ok ok_hand ok_woman older_man open_hands open_mouth orange_book
outbox_tray owl ox package page_facing_up palm_tree panda_face paperclip parking partly_sunny
party passport_control peach pear pen_ballpoint pencil pencil2 penguin pensive performing_arts
persevere phone pig pill pineapple pizza point_down point_left point_right point_up point_up_2
police_car poodle popcorn postbox pouting_cat pray pushpin question rabbit racehorse radio
rage rainbow raised_hand raised_hands raising_hand ram recycle red_circle relaxed relieved
repeat rewind ribbon rice ring robot rocket rolling_eyes rooster rose rotating_light runner
sa sake sandal santa satellite saxophone scream scream_cat scroll seedling see_no_evil shamrock
shield ship shirt shrug sleeping sleepy slight_frown slight_smile slot_machine smile smile_cat
smiley smiley_cat smiling_imp smirk smirk_cat smoking snail snake snowflake snowman sob soccer
sos sound sparkle sparkler sparkles sparkling_heart speak_no_evil speech_balloon spider spy
star star2 stars stop_sign stopwatch strawberry stuck_out_tongue stuck_out_tongue_closed_eyes
stuck_out_tongue_winking_eye sun_with_face sunflower sunglasses sunny sunrise surfer sushi
sweat sweat_drops sweat_smile sweet_potato swimmer syringe tada tanabata_tree taxi tea telephone
telescope tennis tent thermometer_face thinking thought_balloon thumbsdown thumbsup ticket tiger
timer tired_face tm toilet tomato tongue tools top tophat tractor traffic_light train trophy
tropical_fish truck trumpet tulip turtle tv two_hearts umbrella unamused unicorn unlock
upside_down v vertical_traffic_light video_camera video_game violin volcano vs walking
warning watch watermelon wave wavy_dash weary whale wheelchair white_check_mark white_circle
wind_chime wine_glass wink wolf woman worried wrench x yellow_heart yum zap zipper_mouth zzz
"""
NAMES = frozenset(_NAMES_TEXT.split())

_COLONS = re.compile(r"(?:(?<=[^\w:])|^):(?P<name>[\w+-]+):(?=[^\w:]|$)")


def normalize_emoji(name: str) -> str:
    """The name GitLab stores for an emoji name or alias (unknown names stay as they are)."""
    return ALIASES.get(name, name)


def is_emoji(name: str) -> bool:
    return normalize_emoji(name) in NAMES


def emoji_in(text: str) -> str | None:
    """The first `:name:` of a known emoji in `text`, as Banzai's EmojiFilter.emoji_pattern
    finds it for `/award` (None if there is none)."""
    for found in _COLONS.finditer(text):
        if is_emoji(found.group("name")):
            return found.group("name")
    return None
